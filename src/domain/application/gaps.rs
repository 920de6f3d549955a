//! What 确定申报 requires: every gap that keeps an application from going through.

use super::*;

/// Everything 确定申报 looks at.
pub struct Snapshot<'a> {
    pub basic: &'a Basic,
    pub original: &'a Original,
    pub transfer: &'a Transfer,
    pub education: &'a [EducationRow],
    pub work: &'a [WorkRow],
    /// Files per slot.
    pub files: &'a dyn Fn(Slot) -> usize,
    /// The series of the chosen title, for the "same series" rule.
    pub title_series: Option<String>,
}

/// One thing that keeps 确定申报 from going through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub module: Module,
    pub what: String,
}

fn gap(module: Module, what: impl Into<String>) -> Gap {
    Gap {
        module,
        what: what.into(),
    }
}

/// Lists every missing field, row, attachment and broken cross-module rule.
pub fn gaps(s: &Snapshot<'_>) -> Vec<Gap> {
    let mut g = Vec::new();
    let b = s.basic;
    let (o, t) = (s.original, s.transfer);
    let basic = [
        (!b.phone.is_empty(), "手机号"),
        (b.declare_unit.is_some(), "申报单位"),
        (b.is_work_unit.is_some(), "是否是工作单位"),
        (
            b.is_work_unit == Some(true) || b.work_unit.is_some(),
            "工作单位",
        ),
        (b.level.is_some(), "申报级别"),
        (b.title.is_some(), "申报职称"),
        (b.specialty.is_some(), "现从事专业"),
        (b.declare_method.is_some(), "申报方式"),
        (b.title_year.is_some(), "职称获得年度"),
    ];
    let original = [
        (&o.title_name, "职称名称"),
        (&o.series, "职称系列"),
        (&o.level, "职称级别"),
        (&o.obtained_by, "取得方式"),
        (&o.issuer, "评审/发证机构"),
        (&o.approval_no, "批准文号"),
        (&o.issuer_region, "发证省份或系统"),
        (&o.certificate_no, "证书编号"),
        (&o.obtained_date, "取得时间"),
    ];
    let transfer = [
        (&t.prev_employer, "原工作单位"),
        (&t.prev_province, "原单位所在省份"),
        (&t.moved_date, "调入时间"),
        (&t.how, "调入方式"),
    ];
    // Every field 确定申报 needs: (module, whether it is filled in, label).
    let fields = basic
        .into_iter()
        .map(|(ok, label)| (Module::Basic, ok, label))
        .chain(original.map(|(v, label)| (Module::Original, !v.is_empty(), label)))
        .chain(transfer.map(|(v, label)| (Module::Transfer, !v.is_empty(), label)));
    for (module, ok, label) in fields {
        if !ok {
            g.push(gap(module, format!("请填写“{label}”")));
        }
    }
    if s.education.is_empty() {
        g.push(gap(Module::Education, "请至少填写一条学历信息"));
    }
    for (i, r) in s.education.iter().enumerate() {
        if [&r.school, &r.major, &r.education, &r.degree, &r.graduated]
            .iter()
            .any(|v| v.is_empty())
        {
            g.push(gap(
                Module::Education,
                format!("第{}条学历信息不完整", i + 1),
            ));
        }
    }
    if s.work.is_empty() {
        g.push(gap(Module::Work, "请至少填写一条工作经历"));
    }
    for (i, r) in s.work.iter().enumerate() {
        if [&r.from, &r.employer, &r.post].iter().any(|v| v.is_empty()) {
            g.push(gap(Module::Work, format!("第{}条工作经历不完整", i + 1)));
        }
    }
    for slot in Slot::ALL.into_iter().filter(|s| s.required()) {
        if (s.files)(slot) == 0 {
            g.push(gap(
                Module::Attachments,
                format!("请上传“{}”", slot.label()),
            ));
        }
    }
    // Rules across modules.
    if let (Some(l), false) = (&b.level, o.level.is_empty())
        && *l != o.level
    {
        g.push(gap(Module::Basic, "申报级别须与原职称级别一致"));
    }
    if let (Some(series), false) = (&s.title_series, o.series.is_empty())
        && *series != o.series
    {
        g.push(gap(Module::Basic, "申报职称须与原职称属于同一系列"));
    }
    if let (Some(y), Some(year)) = (
        b.title_year,
        o.obtained_date
            .get(0..4)
            .and_then(|y| y.parse::<i32>().ok()),
    ) && y != year
    {
        g.push(gap(
            Module::Basic,
            "职称获得年度须与原职称取得时间的年份一致",
        ));
    }
    if !t.moved_date.is_empty() && !o.obtained_date.is_empty() && t.moved_date < o.obtained_date {
        g.push(gap(Module::Transfer, "调入时间不能早于原职称取得时间"));
    }
    g
}

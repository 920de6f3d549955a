//! The fixed choices of the forms and the reference data the rules consult.

use uuid::Uuid;

/// How the original title was obtained.
pub const OBTAINED_BY: [&str; 3] = ["评审", "考试", "考核认定"];
/// How the person moved.
pub const MOVE_KINDS: [&str; 5] = ["调动", "人才引进", "军队转业", "公开招聘", "其他"];
pub const EDUCATIONS: [&str; 7] = [
    "博士研究生",
    "硕士研究生",
    "大学本科",
    "大学专科",
    "中等专科",
    "高中",
    "其他",
];
pub const DEGREES: [&str; 4] = ["博士", "硕士", "学士", "无"];
/// Where a title can come from in this business: outside Shandong, or a central or military body.
pub const ISSUERS: [&str; 33] = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "新疆生产建设兵团",
    "中央和国家机关",
    "军队",
];
/// Previous employers may be anywhere, Shandong included (省内跨市调入).
pub fn previous_provinces() -> Vec<&'static str> {
    let mut v = vec!["山东省"];
    v.extend(ISSUERS);
    v
}

/// The reference data the rules consult (implemented by the dictionaries).
pub trait Catalog {
    /// (series code, level code) of an enabled title.
    fn title(&self, id: Uuid) -> Option<(String, String)>;
    /// Series of an enabled specialty.
    fn specialty_series(&self, id: Uuid) -> Option<String>;
    fn level_exists(&self, code: &str) -> bool;
    fn series_exists(&self, code: &str) -> bool;
    fn declare_method_exists(&self, code: &str) -> bool;
}

//! Image captchas drawn as SVG dot matrices: the answer never appears as text in the image.

use rand::Rng;

const ALPHABET: &[u8] = b"2345678ACDEFHKMNPRTUVWXY";

/// 5×7 glyphs, one row per string, `#` for a dot.
fn glyph(c: u8) -> [&'static str; 7] {
    match c {
        b'2' => [
            ".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####",
        ],
        b'3' => [
            "####.", "....#", "....#", ".###.", "....#", "....#", "####.",
        ],
        b'4' => [
            "...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#.",
        ],
        b'5' => [
            "#####", "#....", "####.", "....#", "....#", "#...#", ".###.",
        ],
        b'6' => [
            ".###.", "#....", "#....", "####.", "#...#", "#...#", ".###.",
        ],
        b'7' => [
            "#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#...",
        ],
        b'8' => [
            ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.",
        ],
        b'A' => [
            ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#",
        ],
        b'C' => [
            ".###.", "#...#", "#....", "#....", "#....", "#...#", ".###.",
        ],
        b'D' => [
            "####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####.",
        ],
        b'E' => [
            "#####", "#....", "#....", "####.", "#....", "#....", "#####",
        ],
        b'F' => [
            "#####", "#....", "#....", "####.", "#....", "#....", "#....",
        ],
        b'H' => [
            "#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#",
        ],
        b'K' => [
            "#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#",
        ],
        b'M' => [
            "#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#",
        ],
        b'N' => [
            "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "#...#",
        ],
        b'P' => [
            "####.", "#...#", "#...#", "####.", "#....", "#....", "#....",
        ],
        b'R' => [
            "####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#",
        ],
        b'T' => [
            "#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..",
        ],
        b'U' => [
            "#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.",
        ],
        b'V' => [
            "#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#..",
        ],
        b'W' => [
            "#...#", "#...#", "#...#", "#.#.#", "#.#.#", "##.##", "#...#",
        ],
        b'X' => [
            "#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#",
        ],
        _ => [
            "#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#..",
        ],
    }
}

/// A new challenge: the answer and the picture.
pub fn generate() -> (String, String) {
    let mut rng = rand::thread_rng();
    let answer: String = (0..5)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    (answer.clone(), render(&answer, &mut rng))
}

fn render(answer: &str, rng: &mut impl Rng) -> String {
    let (w, h) = (150, 50);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><rect width="100%" height="100%" fill="#eef3fa"/>"##
    );
    for _ in 0..6 {
        svg.push_str(&format!(
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#{:06x}" stroke-width="1.2"/>"##,
            rng.gen_range(0..w),
            rng.gen_range(0..h),
            rng.gen_range(0..w),
            rng.gen_range(0..h),
            rng.gen_range(0x606060..0xb0b0b0)
        ));
    }
    for (i, c) in answer.bytes().enumerate() {
        let x0 = 10.0 + i as f64 * 27.0 + rng.gen_range(-2.0..2.0);
        let y0 = 8.0 + rng.gen_range(-3.0..3.0);
        let slant: f64 = rng.gen_range(-0.35..0.35);
        let color = ["#1f4e8c", "#8c1f3a", "#2d6a2d", "#5a2d8c", "#8c5a1f"][rng.gen_range(0..5)];
        for (row, line) in glyph(c).iter().enumerate() {
            for (col, dot) in line.bytes().enumerate() {
                if dot == b'#' {
                    let y = y0 + row as f64 * 5.0;
                    let x = x0 + col as f64 * 4.0 + (row as f64 - 3.0) * slant * 4.0;
                    svg.push_str(&format!(
                        r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="{color}"/>"#,
                        x + rng.gen_range(-0.6..0.6),
                        y + rng.gen_range(-0.6..0.6),
                        rng.gen_range(1.6..2.3)
                    ));
                }
            }
        }
    }
    for _ in 0..40 {
        svg.push_str(&format!(
            r##"<circle cx="{}" cy="{}" r="1" fill="#{:06x}"/>"##,
            rng.gen_range(0..w),
            rng.gen_range(0..h),
            rng.gen_range(0x404040..0xc0c0c0)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_is_not_in_the_picture_as_text() {
        for _ in 0..50 {
            let (answer, svg) = generate();
            assert_eq!(answer.len(), 5);
            assert!(!svg.contains(&answer));
            assert!(!svg.contains("<text"));
        }
    }
}

/// Records the answers drawn, so that tests can solve captchas; never set in production.
#[derive(Default)]
pub struct CaptchaLog(std::sync::Mutex<std::collections::HashMap<String, String>>);

impl CaptchaLog {
    pub fn record(&self, id: &str, answer: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(id.to_owned(), answer.to_owned());
        }
    }
    pub fn answer(&self, id: &str) -> Option<String> {
        self.0.lock().ok()?.get(id).cloned()
    }
}

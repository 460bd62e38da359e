//! Widths of the standard fonts (from Adobe's AFM files, in thousandths of an em),
//! the WinAnsi encoding, and line breaking.

use super::Font;

/// Helvetica's widths of the printable ASCII characters, from space (32) to `~` (126).
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0 to 9
    278, 278, 584, 584, 584, 556, 1015, // : to @
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // A to Z
    278, 278, 278, 469, 556, 333, // [ to `
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
    278, 556, 500, 722, 500, 500, 500, // a to z
    334, 260, 334, 584, // { to ~
];

/// Helvetica-Bold's widths, likewise.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278,
    278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0 to 9
    333, 333, 584, 584, 584, 611, 975, // : to @
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // A to Z
    333, 278, 333, 584, 556, 333, // [ to `
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556,
    333, 611, 556, 778, 556, 556, 500, // a to z
    389, 280, 389, 584, // { to ~
];

/// A character as WinAnsi (Windows-1252) has it; `?` when it has none.
fn encode(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '™' => 0x99,
        '\t' => b' ',
        _ => b'?',
    }
}

pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars().map(encode).collect()
}

/// The width of one character in thousandths of an em. Letters beyond ASCII take
/// the width of a wide letter of their case, so that a line never runs over.
fn advance(c: char, font: Font) -> u16 {
    if font == Font::Mono {
        return 600;
    }
    let table = match font {
        Font::Bold => &HELVETICA_BOLD,
        _ => &HELVETICA,
    };
    match c {
        ' '..='~' => table[c as usize - 32],
        '—' => 1000,
        '–' | '•' => 556,
        c if c.is_uppercase() => 778,
        _ => 611,
    }
}

/// The width of a text in points.
pub fn width(text: &str, font: Font, size: f32) -> f32 {
    text.chars().map(|c| advance(c, font) as f32).sum::<f32>() * size / 1000.0
}

/// Breaks a text into lines no wider than `max` points: at spaces, and inside a
/// word only when the word alone is wider (hashes, long identifiers).
pub fn wrap(text: &str, font: Font, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, font, size) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if width(word, font, size) <= max {
            line = word.to_owned();
            continue;
        }
        for c in word.chars() {
            line.push(c);
            if width(&line, font, size) > max {
                let last = line.pop().expect("a character was pushed");
                lines.push(std::mem::take(&mut line));
                line.push(last);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_stay_within_the_width_and_keep_every_word() {
        let text = "The chain of custody of this item is complete and unaltered, and every hash \
                    check matched d69655d011af794e5506ed6063c72da891d49d07e986433fe291a082ad3b1aed";
        for font in [Font::Regular, Font::Bold, Font::Mono] {
            let lines = wrap(text, font, 9.5, 200.0);
            assert!(lines.len() > 2);
            assert!(
                lines.iter().all(|l| width(l, font, 9.5) <= 200.0),
                "{lines:?}"
            );
            let joined: String = lines.concat().split_whitespace().collect();
            let original: String = text.split_whitespace().collect();
            assert_eq!(joined, original);
        }
        assert_eq!(wrap("", Font::Regular, 9.5, 100.0), [""]);
    }

    #[test]
    fn text_is_encoded_as_win_ansi() {
        assert_eq!(win_ansi("Curaçao — 5 €"), b"Cura\xe7ao \x97 5 \x80");
        assert_eq!(win_ansi("✓"), b"?");
        assert_eq!(width("i", Font::Regular, 10.0), 2.22);
    }
}

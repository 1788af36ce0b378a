//! A writer in front of stdout and stderr that shows control and invisible characters instead of
//! passing them to the terminal, wherever the text came from (a policy file, a database edited behind the
//! tool's back).
//!
//! iro itself writes no control character but line breaks, tabs and the colour codes of its own tables
//! (SGR, `ESC [ … m`), so those pass and everything else is written out as `\u{1b}`: a text can never
//! clear the screen, retitle the window or write to the clipboard (OSC 52). Table cells are escaped
//! before they are laid out ([`super::terminal_cells`]), so a colour code inside typed text is shown too.

use std::io::{self, Write};

use crate::text::invisible;

/// Escapes what a terminal would obey, on its way to `inner`.
pub struct SafeWriter<W: Write> {
    inner: W,
    /// Bytes held back until the next write completes them: part of a UTF-8 character, or the start
    /// of what may be a colour code.
    pending: Vec<u8>,
    /// Nothing written yet: a byte-order mark in first place is the CSV's own (`--bom`), and passes.
    at_start: bool,
    /// The output began as a workbook (`--format xlsx`, only ever written to a file or a pipe): its
    /// bytes pass untouched.
    workbook: bool,
    /// Whether a workbook may pass: only on stdout, and only when it is not a terminal.
    workbook_may_pass: bool,
}

impl<W: Write> SafeWriter<W> {
    pub fn new(inner: W) -> SafeWriter<W> {
        SafeWriter {
            inner,
            pending: Vec::new(),
            at_start: true,
            workbook: false,
            workbook_may_pass: false,
        }
    }

    /// The writer in front of stdout, through which a workbook passes to a file or a pipe.
    pub fn for_data(inner: W, terminal: bool) -> SafeWriter<W> {
        let mut writer = SafeWriter::new(inner);
        writer.workbook_may_pass = !terminal;
        writer
    }

    /// Writes out `bytes` as far as they are complete, keeping an unfinished tail in `pending`.
    fn pass(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.at_start
            && self.workbook_may_pass
            && self.pending.is_empty()
            && super::xlsx::is_workbook(bytes)
        {
            self.workbook = true;
        }
        if self.workbook {
            self.at_start = false;
            return self.inner.write_all(bytes);
        }
        let plain = |b: &u8| (0x20..0x7f).contains(b) || *b == b'\n' || *b == b'\t';
        if self.pending.is_empty() && bytes.iter().all(plain) {
            if !bytes.is_empty() {
                self.at_start = false;
            }
            return self.inner.write_all(bytes);
        }
        let mut held = std::mem::take(&mut self.pending);
        held.extend_from_slice(bytes);
        let (text, tail) = match std::str::from_utf8(&held) {
            Ok(text) => (text, &[][..]),
            Err(e) if e.error_len().is_none() => {
                let (valid, tail) = held.split_at(e.valid_up_to());
                (std::str::from_utf8(valid).unwrap_or_default(), tail)
            }
            // Not UTF-8 at all: iro never writes such bytes; show them rather than pass them.
            Err(_) => {
                let shown = String::from_utf8_lossy(&held).into_owned();
                return self.pass_text(&shown, true);
            }
        };
        let tail = tail.to_vec();
        let text = text.to_string();
        self.pass_text(&text, false)?;
        self.pending.extend_from_slice(&tail);
        Ok(())
    }

    /// Writes `text`, escaping what must not reach a terminal; an unfinished colour code at its end
    /// (unless `last`) is held in `pending`, to be completed by the next write.
    fn pass_text(&mut self, text: &str, last: bool) -> io::Result<()> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        if std::mem::take(&mut self.at_start) {
            if let Some(after) = rest.strip_prefix('\u{feff}') {
                out.push('\u{feff}');
                rest = after;
            }
        }
        while let Some(c) = rest.chars().next() {
            if c == '\u{1b}' {
                match colour_code(rest) {
                    Code::Complete(len) => {
                        out.push_str(&rest[..len]);
                        rest = &rest[len..];
                        continue;
                    }
                    Code::Unfinished if !last => {
                        self.inner.write_all(out.as_bytes())?;
                        self.pending.extend_from_slice(rest.as_bytes());
                        return Ok(());
                    }
                    _ => {}
                }
            }
            if (c.is_control() && c != '\n' && c != '\t') || invisible(c).is_some() {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            } else {
                out.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
        self.inner.write_all(out.as_bytes())
    }
}

enum Code {
    /// A whole SGR sequence of this many bytes.
    Complete(usize),
    /// The start of one, cut off at the end of the text.
    Unfinished,
    /// Something else that begins with ESC.
    Other,
}

/// Whether `text`, starting with ESC, begins with a colour code `ESC [ digits ; … m`.
fn colour_code(text: &str) -> Code {
    let bytes = text.as_bytes();
    if bytes.len() == 1 {
        return Code::Unfinished;
    }
    if bytes[1] != b'[' {
        return Code::Other;
    }
    for (i, b) in bytes.iter().enumerate().skip(2) {
        match b {
            b'0'..=b'9' | b';' => {}
            b'm' => return Code::Complete(i + 1),
            _ => return Code::Other,
        }
        if i > 32 {
            return Code::Other;
        }
    }
    Code::Unfinished
}

impl<W: Write> Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pass(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let held = std::mem::take(&mut self.pending);
            let shown = String::from_utf8_lossy(&held).into_owned();
            self.pass_text(&shown, true)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for SafeWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_passes_only_in_first_place() {
        let bom = "\u{feff}".as_bytes();
        assert_eq!(through(&[bom, b"ref,name\n"]), "\u{feff}ref,name\n");
        assert_eq!(
            through(&[b"ref\n", "x\u{feff}".as_bytes()]),
            "ref\nx\\u{feff}"
        );
    }

    #[test]
    fn text_that_begins_like_a_workbook_is_still_filtered() {
        // Only a workbook being written passes untouched; stored text that starts with its signature
        // is shown, its escape sequences written out.
        let mut out = Vec::new();
        {
            let mut w = SafeWriter::for_data(&mut out, false);
            w.write_all(b"PK\x03\x04 \x1b]52;c;aGk=\x07")
                .expect("write");
        }
        let shown = String::from_utf8(out).expect("utf-8");
        assert!(
            shown.contains("\\u{1b}") && !shown.contains('\u{1b}'),
            "{shown:?}"
        );
    }

    fn through(chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        {
            let mut w = SafeWriter::new(&mut out);
            for chunk in chunks {
                w.write_all(chunk).expect("write");
            }
        }
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn plain_text_and_colour_codes_pass_and_the_rest_is_shown() {
        assert_eq!(through(&[b"plain\ttext\n"]), "plain\ttext\n");
        assert_eq!(through(&["Zoë\n".as_bytes()]), "Zoë\n");
        assert_eq!(through(&[b"\x1b[1;31mred\x1b[0m"]), "\x1b[1;31mred\x1b[0m");
        assert_eq!(through(&[b"a\x1b[2Jb"]), "a\\u{1b}[2Jb");
        assert_eq!(through(&[b"\x1b]52;c;aGk=\x07"]), "\\u{1b}]52;c;aGk=\\u{7}");
        assert_eq!(through(&[b"over\rwrite"]), "over\\u{d}write");
        assert_eq!(
            through(&["x\u{202e}y\u{9b}z".as_bytes()]),
            "x\\u{202e}y\\u{9b}z"
        );
    }

    #[test]
    fn codes_and_characters_cut_across_writes_are_judged_whole() {
        assert_eq!(through(&[b"\x1b[1", b";31m", b"red"]), "\x1b[1;31mred");
        assert_eq!(
            through(&[b"\x1b", b"]0;title\x07"]),
            "\\u{1b}]0;title\\u{7}"
        );
        let e = "é".as_bytes();
        assert_eq!(through(&[&e[..1], &e[1..]]), "é");
        assert_eq!(through(&[b"end\x1b"]), "end\\u{1b}");
    }
}

//! What people may type, checked once where it comes in, and how text is shown to a terminal.
//!
//! Ids (staff, children, categories) are short ASCII words, so a look-alike letter from another script
//! can never pass for someone else's id. Names and free texts may hold any script, but never control
//! characters, bidirectional overrides or invisible characters, which make text display as something
//! other than what it says; a name may not mix scripts within one word. E-mail addresses are parsed by
//! the mail library and must be ones a message can actually be sent to. Pure: no I/O.

use std::borrow::Cow;

use unicode_security::MixedScript;

/// The most characters a free text (summary, reason, outcome, note) may hold.
pub const MAX_TEXT: usize = 10_000;

/// The most characters an id may hold.
pub const MAX_ID: usize = 64;

/// The most characters a name or a team may hold.
pub const MAX_NAME: usize = 200;

/// The characters that change how text around them is displayed without being seen themselves, with
/// the name Unicode gives them.
const INVISIBLE: &[(char, &str)] = &[
    ('\u{00AD}', "SOFT HYPHEN"),
    ('\u{061C}', "ARABIC LETTER MARK (a bidirectional control)"),
    ('\u{180E}', "MONGOLIAN VOWEL SEPARATOR"),
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200C}', "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', "ZERO WIDTH JOINER"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK (a bidirectional control)"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK (a bidirectional control)"),
    (
        '\u{202A}',
        "LEFT-TO-RIGHT EMBEDDING (a bidirectional control)",
    ),
    (
        '\u{202B}',
        "RIGHT-TO-LEFT EMBEDDING (a bidirectional control)",
    ),
    (
        '\u{202C}',
        "POP DIRECTIONAL FORMATTING (a bidirectional control)",
    ),
    (
        '\u{202D}',
        "LEFT-TO-RIGHT OVERRIDE (a bidirectional control)",
    ),
    (
        '\u{202E}',
        "RIGHT-TO-LEFT OVERRIDE (a bidirectional control)",
    ),
    ('\u{2060}', "WORD JOINER"),
    ('\u{2061}', "FUNCTION APPLICATION (invisible)"),
    ('\u{2062}', "INVISIBLE TIMES"),
    ('\u{2063}', "INVISIBLE SEPARATOR"),
    ('\u{2064}', "INVISIBLE PLUS"),
    (
        '\u{2066}',
        "LEFT-TO-RIGHT ISOLATE (a bidirectional control)",
    ),
    (
        '\u{2067}',
        "RIGHT-TO-LEFT ISOLATE (a bidirectional control)",
    ),
    ('\u{2068}', "FIRST STRONG ISOLATE (a bidirectional control)"),
    (
        '\u{2069}',
        "POP DIRECTIONAL ISOLATE (a bidirectional control)",
    ),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
];

/// The Unicode name of a character that displays as nothing or reorders the text around it.
pub fn invisible(c: char) -> Option<&'static str> {
    INVISIBLE
        .iter()
        .find(|(found, _)| *found == c)
        .map(|(_, name)| *name)
}

/// The first character no text may hold: a control character (other than the line breaks and tabs a
/// multi-line text may have) or an invisible one.
fn forbidden(text: &str, multi_line: bool) -> Option<String> {
    text.chars().find_map(|c| {
        if c.is_control() && !(multi_line && (c == '\n' || c == '\t')) {
            Some(format!("contains the control character U+{:04X}", c as u32))
        } else {
            invisible(c).map(|name| format!("contains U+{:04X} {name}", c as u32))
        }
    })
}

/// An id: a staff id, a child's reference, a category. 1 to 64 ASCII letters, digits, `-`, `_` or `.`.
pub fn parse_id(text: &str) -> Result<String, String> {
    if text.is_empty() || text.chars().count() > MAX_ID {
        return Err(format!("must be 1 to {MAX_ID} characters"));
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        let what = match invisible(c) {
            Some(name) => format!("U+{:04X} {name}", c as u32),
            None if c.is_control() => format!("the control character U+{:04X}", c as u32),
            None if c.is_whitespace() => "a space".to_string(),
            None => format!("'{c}' (U+{:04X})", c as u32),
        };
        return Err(format!(
            "contains {what}: an id is ASCII letters, digits, '-', '_' and '.' only"
        ));
    }
    Ok(text.to_string())
}

/// A person's name or a team's: one line of any script, 1 to 200 characters, no word mixing scripts
/// (a Cyrillic letter inside a Latin word is how a look-alike is made).
pub fn parse_name(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    if trimmed.chars().count() > MAX_NAME {
        return Err(format!("is longer than {MAX_NAME} characters"));
    }
    if let Some(why) = forbidden(trimmed, false) {
        return Err(why);
    }
    if let Some(word) = trimmed
        .split(|c: char| c.is_whitespace() || c == '-')
        .find(|word| !word.is_single_script())
    {
        return Err(format!(
            "the word '{word}' mixes letters of different scripts (a look-alike of another name)"
        ));
    }
    Ok(trimmed.to_string())
}

/// Free text for the record: not blank, not absurdly long, no control characters but line breaks and
/// tabs, no invisible characters.
pub fn parse_text(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    let chars = trimmed.chars().count();
    if chars > MAX_TEXT {
        return Err(format!(
            "is {chars} characters long; at most {MAX_TEXT} are kept"
        ));
    }
    if let Some(why) = forbidden(trimmed, true) {
        return Err(why);
    }
    Ok(trimmed.to_string())
}

/// A work e-mail address a message can be sent to: parsed by the mail library, ASCII, a plain local
/// part (no quotes) and a named domain with a dot (no `[127.0.0.1]` literal), so the address a person
/// reads is the one the server is given.
pub fn parse_email(text: &str) -> Result<String, String> {
    let address = text.trim();
    if let Some(why) = forbidden(address, false) {
        return Err(why);
    }
    if let Some(c) = address.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(format!(
            "'{address}' holds '{c}': a work e-mail address here is plain ASCII with no spaces"
        ));
    }
    let parsed: lettre::Address = address
        .parse()
        .map_err(|e| format!("'{address}' is not an e-mail address ({e})"))?;
    let (user, domain) = (parsed.user(), parsed.domain());
    if user.starts_with('"') || user.contains(['"', '\\', ',', '<', '>', '(', ')', ';', ':']) {
        return Err(format!(
            "'{address}' has a quoted or unusual local part that mail cannot be reliably sent to"
        ));
    }
    if domain.starts_with('[') {
        return Err(format!(
            "'{address}' names its domain by an address literal ({domain}): give the mail domain by name"
        ));
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return Err(format!(
            "'{address}' has no mail domain with a dot (like example.gov.uk)"
        ));
    }
    Ok(parsed.to_string())
}

/// Text as a terminal should show it: control characters (but line breaks and tabs) and invisible
/// characters written out as `\u{1b}`, never obeyed; everything else as it is.
pub fn shown(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| (c.is_control() && c != '\n' && c != '\t') || invisible(c).is_some();
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if hidden(c) {
                    format!("\\u{{{:x}}}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_ascii_words() {
        for good in ["LCS-104233", "asmith", "a.smith_2", "care-plan-not-updated"] {
            assert_eq!(parse_id(good).as_deref(), Ok(good));
        }
        assert!(parse_id("").is_err());
        assert!(parse_id(&"a".repeat(65)).is_err());
        assert!(parse_id("two words").unwrap_err().contains("a space"));
        // A Cyrillic 'а' in place of the Latin one.
        assert!(parse_id("\u{0430}smith").unwrap_err().contains("U+0430"));
        assert!(parse_id("asmith\u{202e}")
            .unwrap_err()
            .contains("RIGHT-TO-LEFT OVERRIDE"));
        assert!(parse_id("a\u{1b}[2J").unwrap_err().contains("U+001B"));
    }

    #[test]
    fn names_take_any_script_but_not_mixed_words_or_invisible_characters() {
        for good in [
            "Zoë Johnson",
            "Łucja Nowak-Wiśniewska",
            "Ngozi Adeyemi",
            "Ольга Петрова",
            "O'Brien",
            "Children in Care 1",
        ] {
            assert_eq!(parse_name(good).as_deref(), Ok(good));
        }
        let mixed = parse_name("\u{0410}lex Smith").unwrap_err();
        assert!(mixed.contains("mixes"), "{mixed}");
        assert!(parse_name("Alex\u{200b}Smith")
            .unwrap_err()
            .contains("ZERO WIDTH SPACE"));
        assert!(parse_name("Alex\u{202e}htimS")
            .unwrap_err()
            .contains("U+202E"));
        assert!(parse_name("two\nlines").unwrap_err().contains("U+000A"));
        assert!(parse_name("  ").is_err());
    }

    #[test]
    fn texts_are_checked_for_blankness_length_and_hidden_characters() {
        assert_eq!(parse_text("  plan drift \n"), Ok("plan drift".to_string()));
        assert!(parse_text("   ").is_err());
        assert!(parse_text(&"x".repeat(MAX_TEXT + 1))
            .unwrap_err()
            .contains("10001"));
        assert!(parse_text("a\u{0}b").unwrap_err().contains("U+0000"));
        assert!(parse_text("line one\nline two\tend").is_ok());
        assert!(parse_text("see\u{2066}this")
            .unwrap_err()
            .contains("LEFT-TO-RIGHT ISOLATE"));
    }

    #[test]
    fn only_addresses_mail_can_be_sent_to_are_accepted() {
        assert_eq!(
            parse_email("alex.smith@example.gov.uk").as_deref(),
            Ok("alex.smith@example.gov.uk")
        );
        for bad in [
            "x@[127.0.0.1]",
            "\"a>b\"@example.gov.uk",
            "\"a,b\"@example.gov.uk",
            "a,b@example.gov.uk",
            "a<b>@example.gov.uk",
            "alex@localhost",
            "alex smith@example.gov.uk",
            "al\u{0435}x@example.gov.uk",
            "nobody",
            "@example.gov.uk",
        ] {
            assert!(parse_email(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn terminals_see_escapes_written_out() {
        assert_eq!(shown("plain text\nline two"), "plain text\nline two");
        assert_eq!(
            shown("a\u{1b}]52;c;aGk=\u{7}b"),
            "a\\u{1b}]52;c;aGk=\\u{7}b"
        );
        assert_eq!(shown("x\u{202e}y"), "x\\u{202e}y");
    }
}

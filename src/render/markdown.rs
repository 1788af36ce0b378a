//! Markdown documents (alert forms, CAFCASS packs) and the printable HTML made from them, built so that
//! nothing a person typed can become markup, a link or an image.
//!
//! Typed text goes into Markdown only through [`text`], [`cell`] or [`lines`], which write `<`, `>` and
//! `&` as entities and put a backslash before every other ASCII punctuation character (CommonMark's own
//! escape), so it is read back as the characters typed. The HTML is made from that Markdown with raw HTML
//! shown as text, links and images dropped (none of ours makes one), no external resource, and a
//! Content-Security-Policy that forbids scripts, so a pack opened in a browser runs and loads nothing.

/// Typed text for a Markdown line: shown as typed, never interpreted; line breaks become spaces.
///
/// Escaped: everything that makes inline markup (emphasis, code, links, images, table cells, raw HTML,
/// entities), what GitHub-flavoured viewers turn into links by themselves (the `:` of `https://`, the
/// `.` of `www.`, the `@` of an address), and a first character that would start a heading, list or rule.
pub fn text(typed: &str) -> String {
    let mut out = String::with_capacity(typed.len() + 8);
    let starts_list = typed
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .starts_with(['.', ')'])
        && typed.starts_with(|c: char| c.is_ascii_digit());
    let mut numbered = false;
    for (at, c) in typed.char_indices() {
        match c {
            ':' if typed[at..].starts_with("://") => out.push_str("\\:"),
            // Not needed once `]` is escaped, but no reader of the raw file should see `](` either.
            '(' if typed[..at].ends_with(']') => out.push_str("\\("),
            '.' if typed[..at].to_ascii_lowercase().ends_with("www") => out.push_str("\\."),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => {}
            '\n' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '@' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '+' | '-' | '=' if at == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if starts_list && !numbered => {
                numbered = true;
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Typed text for a Markdown table cell: as [`text`], each line break kept as `<br>`.
pub fn cell(typed: &str) -> String {
    typed.lines().map(text).collect::<Vec<_>>().join("<br>")
}

/// Typed text of several lines as a block quote, each line kept.
pub fn lines(typed: &str) -> String {
    let quoted: Vec<String> = typed.lines().map(|l| format!("> {}", text(l))).collect();
    // A backslash at the end of a line is CommonMark's hard line break.
    quoted.join("\\\n")
}

/// Only scripts are forbidden outright, and nothing may be loaded from anywhere: the page needs only
/// its own inline style.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'";

/// The Markdown as one self-contained printable HTML page.
pub fn to_html(title: &str, markdown: &str) -> String {
    use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
    // Our own Markdown makes no links, images or raw HTML but the `<br>` of a table cell; anything else of
    // the kind could only have come from typed text, and is shown as text or dropped.
    let events = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .filter_map(|event| match event {
        Event::InlineHtml(html) if &*html == "<br>" => Some(Event::InlineHtml(html)),
        Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
        Event::Start(Tag::Link { .. } | Tag::Image { .. })
        | Event::End(TagEnd::Link | TagEnd::Image) => None,
        other => Some(other),
    });
    let mut body = String::new();
    html::push_html(&mut body, events);
    let mut title_text = String::new();
    html::push_html(&mut title_text, std::iter::once(Event::Text(title.into())));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>{title_text}</title>\n\
         <style>\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
}

/// Print-ready styling, inline so the file needs nothing else.
const STYLE: &str = "body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.4; max-width: 60em; margin: 2em auto; color: #111; }
h1 { font-size: 18pt; border-bottom: 2px solid #333; }
h2 { font-size: 14pt; margin-top: 1.6em; border-bottom: 1px solid #999; }
h3, h4 { font-size: 12pt; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td:first-child { white-space: nowrap; }
th { background: #eee; }
blockquote { border-left: 3px solid #999; margin-left: 0; padding-left: 1em; color: #333; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 0.5em; }
figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } tr { page-break-inside: avoid; } }
";

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[&str] = &[
        "[click](javascript:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](https://tracker.example/pixel.png)",
        "<img src=https://tracker.example/a.png>",
        "<script>alert(1)</script>",
        "<https://look-alike.example>",
        "[www.council.gov.uk](https://evil.example)",
        "<a href=\"https://evil.example\">council</a>",
        "# heading\n| a | b |",
        "**bold** _em_ `code` ~~x~~",
    ];

    #[test]
    fn typed_text_reads_back_as_typed_and_makes_no_markup() {
        for typed in HOSTILE {
            let markdown = format!(
                "# Pack\n\n{}\n\n| a |\n| --- |\n| {} |\n\n{}\n",
                text(typed),
                cell(typed),
                lines(typed)
            );
            for raw in ["<a", "<img", "<script", "<https", "<www"] {
                assert!(
                    !markdown.contains(raw),
                    "{raw} in the Markdown of {typed}: {markdown}"
                );
            }
            let html = to_html(typed, &markdown);
            for made in [
                "<a ",
                "<a>",
                "<img",
                "<script",
                "<strong",
                "<em",
                "<code",
                "<h1>heading",
                "<del",
            ] {
                assert!(
                    !html.contains(made),
                    "{made} in the HTML of {typed}: {html}"
                );
            }
            // The words are all there, as text.
            let words = typed
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() > 2);
            for word in words {
                assert!(html.contains(word), "{word} of {typed} lost: {html}");
            }
        }
    }

    #[test]
    fn the_page_loads_nothing_and_forbids_scripts() {
        let html = to_html("Pack <b>", "# Pack\n\nText\n");
        assert!(html.contains("Content-Security-Policy"));
        assert!(html.contains("default-src 'none'"));
        assert!(html.contains("<title>Pack &lt;b&gt;</title>"));
        assert!(!html.contains("http:") && !html.contains("https:"));
    }

    #[test]
    fn only_what_could_be_markup_is_escaped() {
        assert_eq!(text("LCS-104233 (North)."), "LCS-104233 (North).");
        assert_eq!(text("# not a heading"), "\\# not a heading");
        assert_eq!(text("1. not a list"), "1\\. not a list");
        assert_eq!(text("see https://x.example"), "see https\\://x.example");
        assert_eq!(text("2026-11-05: note"), "2026-11-05: note");
        assert_eq!(text("www.evil.example"), "www\\.evil.example");
    }

    #[test]
    fn cells_keep_their_lines_apart() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(lines("one\ntwo"), "> one\\\n> two");
    }
}

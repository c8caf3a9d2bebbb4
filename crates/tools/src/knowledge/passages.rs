//! A document split into passages a search can return whole and a prompt can hold: Markdown by its
//! sections (each passage keeps its heading), then by paragraphs, a few hundred characters each.

/// A passage: the heading it sits under, if any, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub heading: Option<String>,
    pub body: String,
}

/// About this many characters a passage: a paragraph or a few, enough to answer from, short enough that
/// three fit a prompt.
const TARGET: usize = 600;
/// A paragraph longer than this is cut at sentence ends.
const LONGEST: usize = 1_000;
/// A heading is kept with every passage under it: a longer one is cut.
const LONGEST_HEADING: usize = 200;

/// The passages of `text`; `markdown` reads `#` lines as headings.
pub fn split(text: &str, markdown: bool) -> Vec<Passage> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut passages = Vec::new();
    let mut heading: Option<String> = None;
    let mut current = String::new();
    let flush = |current: &mut String, heading: &Option<String>, passages: &mut Vec<Passage>| {
        let body = current.trim().to_owned();
        if !body.is_empty() {
            passages.push(Passage { heading: heading.clone(), body });
        }
        current.clear();
    };
    for paragraph in paragraphs(&text) {
        if markdown && let Some(title) = paragraph.strip_prefix('#') {
            flush(&mut current, &heading, &mut passages);
            let title: String = title.trim_start_matches('#').trim().chars().take(LONGEST_HEADING).collect();
            heading = Some(title).filter(|t| !t.is_empty());
            continue;
        }
        for piece in cut(&paragraph) {
            if !current.is_empty() && current.chars().count() + piece.chars().count() > TARGET {
                flush(&mut current, &heading, &mut passages);
            }
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&piece);
        }
    }
    flush(&mut current, &heading, &mut passages);
    passages
}

/// Paragraphs: runs of lines between blank lines, with a heading line and each list item a paragraph of
/// its own; other lines joined with spaces (PDFs break lines mid-sentence).
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || is_list_item(line) {
            if !current.is_empty() {
                out.push(current.join(" "));
                current.clear();
            }
            if !line.is_empty() {
                out.push(line.to_owned());
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out.into_iter().map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|p| !p.is_empty()).collect()
}

/// "- item", "* item", "1. item", "2) item".
fn is_list_item(line: &str) -> bool {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    line.starts_with("- ")
        || line.starts_with("* ")
        || line.starts_with("• ")
        || (digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") ")))
}

/// A paragraph in pieces of at most [`LONGEST`] characters, cut after a sentence's end where it can be.
/// Counts as it goes: a paragraph of megabytes takes one pass.
fn cut(paragraph: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let (mut current, mut length) = (String::new(), 0);
    for sentence in sentences(paragraph) {
        let size = sentence.chars().count();
        if length > 0 && length + size + 1 > LONGEST {
            pieces.push(std::mem::take(&mut current));
            length = 0;
        }
        if size > LONGEST {
            // A sentence longer than the limit on its own is cut where it reaches it.
            let chars: Vec<char> = sentence.chars().collect();
            for chunk in chars.chunks(LONGEST) {
                pieces.push(chunk.iter().collect());
            }
            continue;
        }
        if length > 0 {
            current.push(' ');
            length += 1;
        }
        current.push_str(sentence);
        length += size;
    }
    if length > 0 {
        pieces.push(current);
    }
    pieces
}

/// The sentences of a text: cut after `.`, `!` or `?` followed by a space.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?') && bytes.get(i + 1) == Some(&b' ') {
            out.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_sections_keep_their_headings_and_paragraphs_stay_whole() {
        let doc = "# Opening hours\n\nWe are open Monday to Friday,\n9 am to 5 pm.\n\n## Parking\nFree parking behind \
                   the building.\n\nAsk at the desk for a permit.";
        let passages = split(doc, true);
        assert_eq!(
            passages,
            [
                Passage {
                    heading: Some("Opening hours".into()),
                    body: "We are open Monday to Friday, 9 am to 5 pm.".into()
                },
                Passage {
                    heading: Some("Parking".into()),
                    body: "Free parking behind the building.\nAsk at the desk for a permit.".into()
                },
            ]
        );
        assert_eq!(split("# Title\n\nSome text.", false)[0].heading, None, "plain text has no headings");
    }

    #[test]
    fn list_items_stay_lines_of_their_own() {
        let passages = split("# Prices\n- Cleaning $80\n- Whitening $250\n1. First visit free", true);
        assert_eq!(passages[0].body, "- Cleaning $80\n- Whitening $250\n1. First visit free");
        let long = format!("# {}\n\nText.", "h".repeat(5_000));
        assert_eq!(split(&long, true)[0].heading.as_ref().map(|h| h.len()), Some(LONGEST_HEADING));
    }

    #[test]
    fn long_text_is_cut_into_passages_at_sentence_ends() {
        let sentence = "Our clinic offers cleanings, fillings and whitening at fair prices. ";
        let doc = sentence.repeat(40);
        let passages = split(&doc, false);
        assert!(passages.len() > 2, "{}", passages.len());
        for passage in &passages {
            assert!(passage.body.chars().count() <= LONGEST, "{}", passage.body.len());
            assert!(passage.body.ends_with('.'), "cut at a sentence's end: {:?}", passage.body);
        }
        let cut_word = "x".repeat(2_500);
        assert!(split(&cut_word, false).iter().all(|p| p.body.chars().count() <= LONGEST));
    }
}

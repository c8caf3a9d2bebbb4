//! Text helpers the rules share: folding a message to the form keywords are matched in.

/// Lower case, accents removed, punctuation dropped, runs of spaces collapsed: "  ¡No MÁS mensajes! " is
/// "no mas mensajes".
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = strip_accent(c);
        if c.is_alphanumeric() {
            folded.push(c);
        } else if c == '\'' || c == '’' {
            // "that's" and "thats" are the same word.
        } else if !folded.is_empty() && !folded.ends_with(' ') {
            folded.push(' ');
        }
    }
    folded.truncate(folded.trim_end().len());
    folded
}

/// The words of a text, folded.
pub fn words(text: &str) -> Vec<String> {
    fold(text).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// The letter without its accent, for the accented letters of English and Spanish texts.
pub fn strip_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'ä' | 'â' => 'a',
        'é' | 'è' | 'ë' | 'ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' => 'o',
        'ú' | 'ù' | 'ü' | 'û' => 'u',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_punctuation_and_spacing() {
        assert_eq!(fold("  ¡No MÁS mensajes! "), "no mas mensajes");
        assert_eq!(fold("Stop. Thank you."), "stop thank you");
        assert_eq!(fold("That's right"), "thats right");
        assert_eq!(fold("opt-out"), "opt out");
        assert_eq!(fold("...!!"), "");
        assert_eq!(fold("señor"), "señor", "ñ is a letter of its own");
    }
}

//! How many SMS segments a text costs, as Twilio's message-segment-calculator counts them.
//!
//! A text is GSM-7 when every character is in the GSM 03.38 tables (extension characters cost two septets);
//! one character outside them turns the whole text into UCS-2. Multi-part messages lose room to the
//! concatenation header, and neither an escape pair nor a grapheme is ever split across segments, so the
//! count is found by packing rather than by dividing.

use unicode_segmentation::UnicodeSegmentation;

/// The character set a text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// The cost of a text in segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentCount {
    pub encoding: Encoding,
    /// Septets for GSM-7, UTF-16 code units for UCS-2.
    pub units: usize,
    pub segments: usize,
}

const GSM7_SINGLE: usize = 160;
const GSM7_MULTI: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_MULTI: usize = 67;

const GSM7_BASIC_EXTRA: &str = "£¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà";
const GSM7_EXTENSION: &str = "\u{000C}^{}\\[~]|€";

/// Septets a character costs in GSM-7, or `None` when GSM-7 cannot carry it.
fn gsm7_septets(c: char) -> Option<usize> {
    // Printable ASCII up to `Z`, the lower-case letters and `_`; `[\]^{|}~` are extension characters and
    // the backtick is not in GSM-7 at all.
    let basic_ascii = matches!(c, '\n' | '\r' | ' '..='Z' | 'a'..='z' | '_');
    if basic_ascii || GSM7_BASIC_EXTRA.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Counts the segments `text` costs.
pub fn count(text: &str) -> SegmentCount {
    let gsm7: Option<Vec<usize>> = text.chars().map(gsm7_septets).collect();
    match gsm7 {
        Some(costs) => pack(Encoding::Gsm7, &costs, GSM7_SINGLE, GSM7_MULTI),
        None => {
            let costs: Vec<usize> = text.graphemes(true).map(|g| g.encode_utf16().count()).collect();
            pack(Encoding::Ucs2, &costs, UCS2_SINGLE, UCS2_MULTI)
        }
    }
}

/// Packs indivisible pieces of the given sizes into segments.
fn pack(encoding: Encoding, pieces: &[usize], single: usize, multi: usize) -> SegmentCount {
    let units: usize = pieces.iter().sum();
    if units <= single {
        return SegmentCount { encoding, units, segments: 1 };
    }
    let mut segments = 1;
    let mut used = 0;
    for &piece in pieces {
        if used + piece > multi {
            segments += 1;
            used = 0;
        }
        used += piece;
    }
    SegmentCount { encoding, units, segments }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn digits(n: usize) -> String {
        "1".repeat(n)
    }

    #[test]
    fn plain_text_is_gsm7() {
        let c = count("Hello! Your viewing is at 10:30 @ 5th Ave, £20 deposit.");
        assert_eq!(c.encoding, Encoding::Gsm7);
        assert_eq!(c.segments, 1);
    }

    #[test]
    fn the_calculators_gsm7_vectors() {
        assert_eq!(count(&digits(160)).segments, 1);
        assert_eq!(count(&digits(161)).segments, 2);
        assert_eq!(count(&digits(307)).segments, 3);
        // An extension character costs two septets.
        assert_eq!(
            count(&format!("€{}", digits(158))),
            SegmentCount { encoding: Encoding::Gsm7, units: 160, segments: 1 }
        );
        assert_eq!(count(&format!("€{}", digits(159))).segments, 2);
    }

    #[test]
    fn an_escape_pair_is_never_split() {
        // 152 digits then an escape pair: the pair would straddle the 153-septet boundary, so it moves on.
        let text = format!("{}€{}", digits(152), digits(10));
        assert_eq!(count(&text).units, 164);
        assert_eq!(count(&text).segments, 2);
        let text = format!("{}€{}", digits(152), digits(152));
        assert_eq!(count(&text).segments, 3);
    }

    #[test]
    fn the_calculators_ucs2_vectors() {
        assert_eq!(count(&"ç".repeat(70)), SegmentCount { encoding: Encoding::Ucs2, units: 70, segments: 1 });
        assert_eq!(count(&"ç".repeat(71)).segments, 2);
        assert_eq!(count(&format!("🇮🇹{}", digits(66))).segments, 1);
        assert_eq!(count(&format!("🇮🇹{}", digits(67))).segments, 2);
        assert_eq!(count(&format!("😜{}", digits(133))).segments, 3);
    }

    #[test]
    fn one_smart_quote_turns_the_whole_text_into_ucs2() {
        let text = format!("It’s {}", digits(100));
        let c = count(&text);
        assert_eq!(c.encoding, Encoding::Ucs2);
        assert_eq!(c.segments, 2);
        assert_eq!(count(&text.replace('’', "'")).segments, 1);
    }

    #[test]
    fn backtick_and_lower_case_c_cedilla_are_not_gsm7() {
        assert_eq!(count("`").encoding, Encoding::Ucs2);
        assert_eq!(count("ç").encoding, Encoding::Ucs2);
        assert_eq!(count("Ç").encoding, Encoding::Gsm7);
    }

    proptest! {
        #[test]
        fn packing_costs_at_least_a_plain_division(text in "\\PC{0,400}") {
            let c = count(&text);
            let (single, per) = match c.encoding { Encoding::Gsm7 => (160, 153), Encoding::Ucs2 => (70, 67) };
            if c.units <= single {
                prop_assert_eq!(c.segments, 1);
            } else {
                prop_assert!(c.segments >= c.units.div_ceil(per));
                prop_assert!(c.segments <= c.units);
            }
        }
    }
}

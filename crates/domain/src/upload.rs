//! ID photo uploads: what a file is, judged by its first bytes (never by its name or the type the browser
//! claims), which side of the ID it shows, and what the applicant is told.

use crate::Language;

/// Files one link takes: both sides, and a few retakes of blurry ones.
pub const MAX_FILES_PER_LINK: i64 = 6;
/// Files one conversation keeps, whatever the links: a flood of uploads stops here.
pub const MAX_FILES_PER_CONVERSATION: i64 = 20;
/// A second photo of a side within this many seconds of the last gets no text of its own: the page says it
/// arrived, and one text per side is enough.
pub const RECEIPT_QUIET_SECONDS: i64 = 120;

/// The kinds of file taken: photos as phones take them, and PDFs of scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Jpeg,
    Png,
    Heic,
    Webp,
    Pdf,
}

/// How many of a file's first bytes [`FileKind::sniff`] needs.
pub const SNIFF_BYTES: usize = 12;

impl FileKind {
    /// The kind the bytes say, from their signatures; `None` for anything else (a script renamed
    /// `photo.jpg` stays a script).
    pub fn sniff(head: &[u8]) -> Option<FileKind> {
        // HEIF's brands (ISO/IEC 23008-12): an `ftyp` box at offset 4 naming one of these.
        const HEIF_BRANDS: &[&[u8; 4]] = &[b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"];
        match head {
            [0xFF, 0xD8, 0xFF, ..] => Some(FileKind::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(FileKind::Png),
            [b'%', b'P', b'D', b'F', b'-', ..] => Some(FileKind::Pdf),
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(FileKind::Webp),
            [_, _, _, _, b'f', b't', b'y', b'p', brand @ ..] if brand.len() >= 4 => {
                HEIF_BRANDS.iter().any(|b| brand[..4] == b[..]).then_some(FileKind::Heic)
            }
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Heic => "image/heic",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
        }
    }

    pub fn parse(mime: &str) -> Option<FileKind> {
        [FileKind::Jpeg, FileKind::Png, FileKind::Heic, FileKind::Webp, FileKind::Pdf]
            .into_iter()
            .find(|k| k.as_str() == mime)
    }

    /// The stored file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Heic => "heic",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
        }
    }
}

/// Which side of the ID a file shows. An assistant asks for the front only, or for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Front,
    Back,
}

impl Side {
    /// The sides an assistant that asks for `count` photos wants (0: none; more than 2: both).
    pub fn asked(count: i16) -> &'static [Side] {
        match count {
            ..=0 => &[],
            1 => &[Side::Front],
            _ => &[Side::Front, Side::Back],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Front => "front",
            Side::Back => "back",
        }
    }

    pub fn parse(value: &str) -> Option<Side> {
        [Side::Front, Side::Back].into_iter().find(|s| s.as_str() == value)
    }

    fn name(self, language: Language) -> &'static str {
        match (self, language) {
            (Side::Front, Language::En) => "the front of your ID",
            (Side::Back, Language::En) => "the back of your ID",
            (Side::Front, Language::Es) => "el frente de su identificación",
            (Side::Back, Language::Es) => "el reverso de su identificación",
        }
    }
}

/// Whether a text asks for the upload link ("send me the link", "where do I upload my ID?"): the whole
/// text, as with keywords, so a sentence that merely mentions a link is left to the assistant.
pub fn asks_for_link(text: &str) -> bool {
    const ASKS: &[&str] = &[
        "link",
        "the link",
        "upload",
        "upload link",
        "id link",
        "photo link",
        "send link",
        "send the link",
        "send me the link",
        "send the link again",
        "resend the link",
        "new link",
        "where do i upload my id",
        "how do i upload my id",
        "enlace",
        "el enlace",
        "mandame el enlace",
        "envieme el enlace",
        "nuevo enlace",
    ];
    ASKS.contains(&crate::text::fold(text).as_str())
}

/// The text carrying the upload link.
pub fn link_text(url: &str, sides: &[Side], hours: i64, language: Language) -> String {
    let both = sides.len() > 1;
    match language {
        Language::En => {
            let what = if both { "the front and back of your photo ID" } else { "a photo of your ID" };
            format!("Please upload {what} here: {url} (the link works for {hours} hours)")
        }
        Language::Es => {
            let what =
                if both { "el frente y el reverso de su identificación" } else { "una foto de su identificación" };
            format!("Por favor suba {what} aquí: {url} (el enlace funciona por {hours} horas)")
        }
    }
}

/// The text confirming an upload, and what is still missing.
pub fn receipt_text(side: Side, missing: &[Side], language: Language) -> String {
    let got = side.name(language);
    match (missing.first(), language) {
        (None, Language::En) => format!("Thanks! We received {got}. That's everything we need."),
        (Some(next), Language::En) => {
            format!("Thanks! We received {got}. Please also upload {} with the same link.", next.name(language))
        }
        (None, Language::Es) => format!("¡Gracias! Recibimos {got}. Es todo lo que necesitamos."),
        (Some(next), Language::Es) => {
            format!("¡Gracias! Recibimos {got}. Por favor suba también {} con el mismo enlace.", next.name(language))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_first_bytes() {
        let cases: [(&[u8], Option<FileKind>); 9] = [
            (b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", Some(FileKind::Jpeg)),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", Some(FileKind::Png)),
            (b"%PDF-1.7\n%\xE2\xE3", Some(FileKind::Pdf)),
            (b"RIFF\x24\x00\x00\x00WEBPVP8 ", Some(FileKind::Webp)),
            (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", Some(FileKind::Heic)),
            (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00", Some(FileKind::Heic)),
            (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", None),
            (b"#!/bin/sh\nrm -rf /", None),
            (b"<script>alert(1)</script>", None),
        ];
        for (head, kind) in cases {
            assert_eq!(FileKind::sniff(head), kind, "{head:?}");
        }
        assert_eq!(FileKind::sniff(b"RIFF\x24\x00\x00\x00WAVE"), None, "a sound is not a photo");
        assert_eq!(FileKind::sniff(b""), None);
    }

    #[test]
    fn kinds_and_sides_read_back_as_stored() {
        for kind in [FileKind::Jpeg, FileKind::Png, FileKind::Heic, FileKind::Webp, FileKind::Pdf] {
            assert_eq!(FileKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Side::parse("back"), Some(Side::Back));
        assert_eq!(Side::parse("../front"), None);
        assert_eq!(
            (Side::asked(0), Side::asked(1), Side::asked(2)),
            (&[][..], &[Side::Front][..], &[Side::Front, Side::Back][..])
        );
    }

    #[test]
    fn a_request_for_the_link_is_the_whole_text() {
        for asks in ["Link", "send me the link!", "Where do I upload my ID?", "Mándame el enlace"] {
            assert!(asks_for_link(asks), "{asks}");
        }
        for not in ["I clicked the link but it failed", "my name is Link Smith", ""] {
            assert!(!asks_for_link(not), "{not}");
        }
    }

    #[test]
    fn the_receipt_says_what_is_still_missing() {
        assert_eq!(
            receipt_text(Side::Front, &[Side::Back], Language::En),
            "Thanks! We received the front of your ID. Please also upload the back of your ID with the same link."
        );
        assert!(receipt_text(Side::Back, &[], Language::Es).ends_with("Es todo lo que necesitamos."));
    }
}

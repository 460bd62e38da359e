//! Printable documents: A4 pages of wrapped text in the PDF standard fonts, with a
//! running head and "Page n of N" on every page, and files attached to the document
//! itself (so that a report and the proof it describes travel together).
//!
//! Text is set in Helvetica, Helvetica-Bold and Courier with the WinAnsi encoding:
//! every viewer has these fonts, no font file is embedded, and `pdftotext` reads the
//! text back. Characters outside WinAnsi (Latin-1 and a few punctuation marks) are
//! printed as `?`.

mod metrics;

use pdf_writer::types::PageMode;
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
/// The text column.
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Where the body starts and ends, below the running head and above the footer.
const BODY_TOP: f32 = PAGE_HEIGHT - MARGIN - 16.0;
const BODY_BOTTOM: f32 = MARGIN + 20.0;
/// The label column of a table of fields.
const LABEL_WIDTH: f32 = 118.0;
const BODY_SIZE: f32 = 9.5;

/// A typeface of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
    Mono,
}

impl Font {
    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Mono => Name(b"F3"),
        }
    }

    const ALL: [(Font, &'static [u8]); 3] = [
        (Font::Regular, b"Helvetica"),
        (Font::Bold, b"Helvetica-Bold"),
        (Font::Mono, b"Courier"),
    ];
}

/// A colour, for marks such as an alert.
#[derive(Debug, Clone, Copy)]
pub struct Colour(pub f32, pub f32, pub f32);

pub const ALERT: Colour = Colour(0.70, 0.05, 0.05);
pub const OK: Colour = Colour(0.05, 0.45, 0.15);

/// One line of text placed on a page.
struct Placed {
    font: Font,
    size: f32,
    x: f32,
    y: f32,
    colour: Option<Colour>,
    text: Vec<u8>,
}

/// A filled bar beside a block (an alert's mark).
struct Bar {
    x: f32,
    y: f32,
    height: f32,
    colour: Colour,
}

#[derive(Default)]
struct Page {
    lines: Vec<Placed>,
    bars: Vec<Bar>,
    /// Horizontal rules: their height on the page.
    rules: Vec<f32>,
}

/// A file attached to the document.
pub struct Attachment {
    pub name: String,
    pub description: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// A field of a table: its label and value.
pub struct Field {
    pub label: String,
    pub value: String,
    pub font: Font,
}

impl Field {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            label: label.into(),
            value: value.into(),
            font: Font::Regular,
        }
    }

    /// Whether the value is set in Courier (a page shows it as code).
    pub fn is_mono(&self) -> bool {
        self.font == Font::Mono
    }

    /// A value set in Courier (hashes, keys, identifiers).
    pub fn mono(label: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            font: Font::Mono,
            ..Field::new(label, value)
        }
    }
}

/// A document being laid out, top to bottom.
pub struct Document {
    title: String,
    running_head: String,
    created: chrono::DateTime<chrono::Utc>,
    pages: Vec<Page>,
    y: f32,
    attachments: Vec<Attachment>,
    /// The language of its text (a BCP 47 tag), for readers and assistive tools.
    language: Option<String>,
}

impl Document {
    /// A document whose every page is headed with `running_head`.
    pub fn new(
        title: impl Into<String>,
        running_head: impl Into<String>,
        created: chrono::DateTime<chrono::Utc>,
    ) -> Document {
        Document {
            title: title.into(),
            running_head: running_head.into(),
            created,
            pages: vec![Page::default()],
            y: BODY_TOP,
            attachments: Vec::new(),
            language: None,
        }
    }

    /// Names the language of the document's text (`/Lang`, a BCP 47 tag).
    pub fn set_language(&mut self, tag: &str) {
        self.language = Some(tag.to_owned());
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a document has a page")
    }

    /// Starts a new page.
    pub fn page_break(&mut self) {
        self.pages.push(Page::default());
        self.y = BODY_TOP;
    }

    /// Ensures `height` points are left on this page, else starts a new one.
    fn room(&mut self, height: f32) {
        if self.y - height < BODY_BOTTOM && self.y < BODY_TOP {
            self.page_break();
        }
    }

    pub fn space(&mut self, points: f32) {
        self.y -= points;
    }

    fn place(&mut self, font: Font, size: f32, x: f32, text: &str, colour: Option<Colour>) {
        let y = self.y;
        self.page().lines.push(Placed {
            font,
            size,
            x,
            y,
            colour,
            text: metrics::win_ansi(text),
        });
    }

    /// A heading, kept with at least three lines of what follows.
    pub fn heading(&mut self, text: &str, size: f32) {
        let lines = metrics::wrap(text, Font::Bold, size, TEXT_WIDTH);
        let leading = size * 1.3;
        self.space(size * 0.6);
        self.room(leading * lines.len() as f32 + 3.0 * BODY_SIZE * 1.35);
        for line in lines {
            self.y -= leading;
            self.place(Font::Bold, size, MARGIN, &line, None);
        }
        self.space(size * 0.3);
    }

    /// A paragraph, wrapped to the text column.
    pub fn paragraph(&mut self, text: &str, font: Font, size: f32, colour: Option<Colour>) {
        let leading = size * 1.35;
        for part in text.split('\n') {
            for line in metrics::wrap(part, font, size, TEXT_WIDTH) {
                self.room(leading);
                self.y -= leading;
                self.place(font, size, MARGIN, &line, colour);
            }
        }
        self.space(size * 0.5);
    }

    /// A table of fields: labels on the left, wrapped values on the right. Each row
    /// stays on one page.
    pub fn fields(&mut self, fields: &[Field]) {
        for field in fields {
            self.field_row(field, MARGIN);
        }
    }

    fn field_row(&mut self, field: &Field, x: f32) {
        let leading = BODY_SIZE * 1.35;
        let width = TEXT_WIDTH - (x - MARGIN) - LABEL_WIDTH;
        let values: Vec<String> = field
            .value
            .split('\n')
            .flat_map(|part| metrics::wrap(part, field.font, BODY_SIZE, width))
            .collect();
        let labels = metrics::wrap(&field.label, Font::Bold, BODY_SIZE, LABEL_WIDTH - 8.0);
        let rows = values.len().max(labels.len()).max(1);
        self.room(leading * rows as f32);
        let top = self.y;
        for (i, label) in labels.iter().enumerate() {
            self.y = top - leading * (i + 1) as f32;
            self.place(Font::Bold, BODY_SIZE, x, label, None);
        }
        for (i, value) in values.iter().enumerate() {
            self.y = top - leading * (i + 1) as f32;
            self.place(field.font, BODY_SIZE, x + LABEL_WIDTH, value, None);
        }
        self.y = top - leading * rows as f32;
    }

    /// The height a block of fields takes.
    fn block_height(&self, fields: &[Field], x: f32) -> f32 {
        let leading = BODY_SIZE * 1.35;
        let width = TEXT_WIDTH - (x - MARGIN) - LABEL_WIDTH;
        fields
            .iter()
            .map(|f| {
                let values: usize = f
                    .value
                    .split('\n')
                    .map(|p| metrics::wrap(p, f.font, BODY_SIZE, width).len())
                    .sum();
                let labels =
                    metrics::wrap(&f.label, Font::Bold, BODY_SIZE, LABEL_WIDTH - 8.0).len();
                leading * values.max(labels).max(1) as f32
            })
            .sum()
    }

    /// A titled block of fields, kept on one page when it fits one, with a coloured
    /// bar down its left side when `mark` is given (an alert).
    pub fn block(&mut self, title: &str, note: Option<(&str, Colour)>, fields: &[Field]) {
        let indent = MARGIN + 10.0;
        let title_leading = 10.5 * 1.4;
        let note_height = if note.is_some() {
            BODY_SIZE * 1.35
        } else {
            0.0
        };
        let height = title_leading + note_height + self.block_height(fields, indent) + 6.0;
        self.space(6.0);
        if height < BODY_TOP - BODY_BOTTOM {
            self.room(height);
        }
        let top = self.y;
        let first_page = self.pages.len();
        self.y -= title_leading;
        self.place(Font::Bold, 10.5, MARGIN, title, None);
        if let Some((text, colour)) = note {
            self.y -= BODY_SIZE * 1.35;
            self.place(Font::Bold, BODY_SIZE, indent, text, Some(colour));
        }
        for field in fields {
            self.field_row(field, indent);
        }
        if let Some((_, colour)) = note {
            // The bar runs down this page's part of the block.
            let start = if self.pages.len() == first_page {
                top
            } else {
                BODY_TOP
            };
            let bottom = self.y;
            let x = MARGIN - 6.0;
            self.page().bars.push(Bar {
                x,
                y: bottom,
                height: (start - bottom).max(0.0),
                colour,
            });
        }
        self.space(4.0);
    }

    /// A label, then `text` whole on a line of its own in the fixed-width font, set
    /// small enough to fit the column: for a key or hash that must never be broken
    /// in the middle (a key copied from paper must be copied whole).
    pub fn line_of_its_own(&mut self, label: &str, text: &str) {
        let fitted = TEXT_WIDTH / metrics::width(text, Font::Mono, 1.0).max(1.0);
        let size = fitted.min(BODY_SIZE);
        let leading = BODY_SIZE * 1.35;
        self.room(leading + size * 1.6);
        self.y -= leading;
        self.place(Font::Bold, BODY_SIZE, MARGIN, label, None);
        self.y -= size * 1.6;
        self.place(Font::Mono, size, MARGIN, text, None);
        self.space(BODY_SIZE * 0.5);
    }

    /// Lays out what `section` writes on one page: on this one when it fits what is
    /// left of it, else from the top of the next (a section that needs more than a
    /// page is simply laid out). So a document never ends on a page that holds a last
    /// line or two of its closing section.
    pub fn keep_together(&mut self, section: impl Fn(&mut Document)) {
        let mut probe = Document::new(String::new(), String::new(), self.created);
        section(&mut probe);
        if probe.pages.len() == 1 {
            self.room(BODY_TOP - probe.y);
        }
        section(self);
    }

    /// A thin rule across the text column.
    pub fn rule(&mut self) {
        self.room(8.0);
        self.y -= 4.0;
        let y = self.y;
        self.page().rules.push(y);
        self.y -= 4.0;
    }

    /// Attaches a file to the document (a viewer lists it under attachments;
    /// `pdfdetach` extracts it).
    pub fn attach(&mut self, attachment: Attachment) {
        self.attachments.push(attachment);
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The PDF.
    pub fn finish(self) -> Vec<u8> {
        let mut next = 0;
        let mut alloc = || {
            next += 1;
            Ref::new(next)
        };
        let catalog_id = alloc();
        let tree_id = alloc();
        let info_id = alloc();
        let font_ids: Vec<(Font, &[u8], Ref)> = Font::ALL
            .iter()
            .map(|(f, base)| (*f, *base, alloc()))
            .collect();
        let page_ids: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();
        let file_ids: Vec<(Ref, Ref)> = self
            .attachments
            .iter()
            .map(|_| (alloc(), alloc()))
            .collect();

        let mut pdf = Pdf::new();
        let date = pdf_date(self.created);
        {
            let mut catalog = pdf.catalog(catalog_id);
            catalog.pages(tree_id);
            if let Some(tag) = &self.language {
                catalog.lang(TextStr(tag));
            }
            if !self.attachments.is_empty() {
                catalog.page_mode(PageMode::UseAttachments);
                let mut names = catalog.names();
                let mut tree = names.embedded_files();
                let mut entries = tree.names();
                for (attachment, (spec_id, _)) in self.attachments.iter().zip(&file_ids) {
                    entries.insert(Str(attachment.name.as_bytes()), *spec_id);
                }
            }
        }
        pdf.document_info(info_id)
            .title(TextStr(&self.title))
            .producer(TextStr("caseledger"))
            .creation_date(date);
        pdf.pages(tree_id)
            .kids(page_ids.iter().map(|(page, _)| *page))
            .count(page_ids.len() as i32);
        for (_, base, id) in &font_ids {
            pdf.type1_font(*id)
                .base_font(Name(base))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        let count = self.pages.len();
        for (number, (page, (page_id, content_id))) in self.pages.iter().zip(&page_ids).enumerate()
        {
            let content = self.draw(page, number + 1, count);
            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&content, 6);
            pdf.stream(*content_id, &compressed)
                .filter(Filter::FlateDecode);
            let mut writer = pdf.page(*page_id);
            writer
                .parent(tree_id)
                .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .contents(*content_id);
            let mut resources = writer.resources();
            let mut fonts = resources.fonts();
            for (font, _, id) in &font_ids {
                fonts.pair(font.resource(), *id);
            }
        }
        for (attachment, (spec_id, file_id)) in self.attachments.iter().zip(&file_ids) {
            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&attachment.bytes, 6);
            let mut file = pdf.embedded_file(*file_id, &compressed);
            file.filter(Filter::FlateDecode);
            file.subtype(Name(attachment.mime.as_bytes()));
            file.params()
                .size(attachment.bytes.len() as i32)
                .creation_date(date);
            file.finish();
            pdf.file_spec(*spec_id)
                .path(Str(attachment.name.as_bytes()))
                .unic_file(TextStr(&attachment.name))
                .description(TextStr(&attachment.description))
                .embedded_file_with_unicode(*file_id);
        }
        pdf.finish()
    }

    fn draw(&self, page: &Page, number: usize, count: usize) -> Vec<u8> {
        let mut content = Content::new();
        // The running head and its rule.
        text(
            &mut content,
            Font::Regular,
            8.0,
            MARGIN,
            PAGE_HEIGHT - MARGIN,
            &metrics::win_ansi(&self.running_head),
            None,
        );
        content.set_line_width(0.5);
        content.move_to(MARGIN, PAGE_HEIGHT - MARGIN - 5.0);
        content.line_to(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN - 5.0);
        content.stroke();
        for y in &page.rules {
            content.move_to(MARGIN, *y);
            content.line_to(PAGE_WIDTH - MARGIN, *y);
            content.stroke();
        }
        for bar in &page.bars {
            content.set_fill_rgb(bar.colour.0, bar.colour.1, bar.colour.2);
            content.rect(bar.x, bar.y, 3.0, bar.height);
            content.fill_nonzero();
        }
        for line in &page.lines {
            text(
                &mut content,
                line.font,
                line.size,
                line.x,
                line.y,
                &line.text,
                line.colour,
            );
        }
        // The footer: the title, and the page number.
        let footer = format!("Page {number} of {count}");
        let width = metrics::width(&footer, Font::Regular, 8.0);
        text(
            &mut content,
            Font::Regular,
            8.0,
            MARGIN,
            MARGIN,
            &metrics::win_ansi(&self.title),
            None,
        );
        text(
            &mut content,
            Font::Regular,
            8.0,
            PAGE_WIDTH - MARGIN - width,
            MARGIN,
            footer.as_bytes(),
            None,
        );
        content.finish().to_vec()
    }
}

fn text(
    content: &mut Content,
    font: Font,
    size: f32,
    x: f32,
    y: f32,
    bytes: &[u8],
    colour: Option<Colour>,
) {
    let Colour(r, g, b) = colour.unwrap_or(Colour(0.0, 0.0, 0.0));
    content.set_fill_rgb(r, g, b);
    content.begin_text();
    content.set_font(font.resource(), size);
    content.next_line(x, y);
    content.show(Str(bytes));
    content.end_text();
}

fn pdf_date(at: chrono::DateTime<chrono::Utc>) -> Date {
    use chrono::{Datelike, Timelike};
    Date::new(at.year() as u16)
        .month(at.month() as u8)
        .day(at.day() as u8)
        .hour(at.hour() as u8)
        .minute(at.minute() as u8)
        .second(at.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_document_breaks_into_numbered_pages_and_carries_its_attachment() {
        let mut doc = Document::new("Test report", "Item A-1", chrono::Utc::now());
        doc.heading("A heading", 16.0);
        for i in 0..200 {
            doc.block(
                &format!("Entry {i}"),
                (i == 7).then_some(("An alert", ALERT)),
                &[
                    Field::new("What", "sealed in a bag"),
                    Field::mono("Hash", "ab".repeat(32)),
                ],
            );
        }
        doc.attach(Attachment {
            name: "bundle.json".into(),
            description: "the bundle".into(),
            mime: "application/json".into(),
            bytes: b"{\"a\": 1}".to_vec(),
        });
        assert!(doc.page_count() > 5, "{}", doc.page_count());
        let pages = doc.page_count();
        let bytes = doc.finish();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/EmbeddedFiles"));
        assert!(text.contains("(bundle.json)"));
        assert!(text.contains(&format!("/Count {pages}")));
    }

    /// The lines of a page, as text.
    fn page_text(page: &Page) -> Vec<String> {
        page.lines
            .iter()
            .map(|l| String::from_utf8_lossy(&l.text).into_owned())
            .collect()
    }

    #[test]
    fn a_closing_section_kept_together_never_leaves_a_page_with_its_last_lines() {
        let key = format!("caseledger.example/log+0a1b2c3d+{}", "A".repeat(44));
        let close = |doc: &mut Document| {
            doc.heading("How to verify", 13.0);
            doc.paragraph(
                &"Extract the attachment and check it. ".repeat(12),
                Font::Regular,
                BODY_SIZE,
                None,
            );
            doc.fields(&[Field::mono("SHA-256", "ab".repeat(32))]);
            doc.line_of_its_own("Log key", &key);
        };
        for blocks in 0..60 {
            let mut doc = Document::new("Test", "Item", chrono::Utc::now());
            for i in 0..blocks {
                doc.block(&format!("Entry {i}"), None, &[Field::new("What", "sealed")]);
            }
            doc.keep_together(close);
            let last = page_text(doc.pages.last().unwrap());
            assert!(
                last.iter().any(|l| l == "How to verify"),
                "{blocks} blocks: the section on the last page: {last:?}"
            );
            assert_eq!(
                last.last().unwrap(),
                &key,
                "{blocks} blocks: the key whole, on the last line"
            );
        }
        // Without keeping it together, some of these documents would end on a page
        // holding only the section's tail: the check above can fail.
        let split = (0..60).any(|blocks| {
            let mut doc = Document::new("Test", "Item", chrono::Utc::now());
            for i in 0..blocks {
                doc.block(&format!("Entry {i}"), None, &[Field::new("What", "sealed")]);
            }
            close(&mut doc);
            !page_text(doc.pages.last().unwrap())
                .iter()
                .any(|l| l == "How to verify")
        });
        assert!(split);
    }
}

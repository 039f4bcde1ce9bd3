//! Every XML document we send is written here, through quick-xml: text and attribute values are always
//! escaped by the writer, and elements are closed by construction, so no input can change the markup.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

pub(crate) struct XmlDocument {
    writer: Writer<Vec<u8>>,
}

impl XmlDocument {
    /// A document starting with `<?xml version="1.0" encoding="UTF-8"?>`, indented by two spaces.
    pub fn new() -> io::Result<XmlDocument> {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(XmlDocument { writer })
    }

    /// Writes a document type declaration; `declaration` is ours (a constant), never input.
    pub fn doctype(&mut self, declaration: &'static str) -> io::Result<()> {
        self.writer.write_event(Event::DocType(BytesText::from_escaped(declaration)))
    }

    /// `<name attributes…>` + whatever `content` writes + `</name>`.
    pub fn element(
        &mut self,
        name: &str,
        attributes: &[(&str, &str)],
        content: impl FnOnce(&mut XmlDocument) -> io::Result<()>,
    ) -> io::Result<()> {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.writer.write_event(Event::Start(start))?;
        content(self)?;
        self.writer.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<name>text</name>`, the text escaped.
    pub fn text(&mut self, name: &str, text: &str) -> io::Result<()> {
        self.writer.create_element(name).write_text_content(BytesText::new(text))?;
        Ok(())
    }

    /// `<name/>`.
    pub fn empty(&mut self, name: &str) -> io::Result<()> {
        self.writer.create_element(name).write_empty()?;
        Ok(())
    }

    pub fn finish(self) -> io::Result<String> {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        // Only &str went in, so this holds; an error rather than a panic if it ever did not.
        String::from_utf8(bytes).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut document = XmlDocument::new().unwrap();
        document.element("a", &[("x", "\"<&>'")], |inner| inner.text("b", "</b><c>&amp;")).unwrap();
        let xml = document.finish().unwrap();
        assert!(xml.contains("<b>&lt;/b&gt;&lt;c&gt;&amp;amp;</b>"), "{xml}");
        assert!(xml.contains(r#"x="&quot;&lt;&amp;&gt;&apos;""#), "{xml}");
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#), "{xml}");
    }
}

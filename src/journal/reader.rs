//! Reading a journal back: complete records, raw lines, and a torn last line if any.

use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr, eyre};

use super::record::Record;

/// A final line cut short by a crash: no trailing newline, or not a valid record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TornTail {
    /// 1-based line number of the torn line.
    pub line_no: usize,
    /// Bytes from the start of the torn line to the end of the file.
    pub bytes: usize,
}

/// What [`read`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOutcome {
    pub records: Vec<Record>,
    /// The raw complete lines, without newlines (one per record).
    pub lines: Vec<String>,
    pub torn_tail: Option<TornTail>,
    /// Where [`Writer::open_existing`](super::Writer::open_existing) set the torn bytes aside.
    pub torn_saved: Option<PathBuf>,
}

/// One complete line as scanned: raw bytes and the parse result.
pub(crate) struct Scanned<'a> {
    pub bytes: &'a [u8],
    pub record: std::result::Result<Record, String>,
}

/// Splits `buf` into complete lines and a torn tail. Only the last line can be torn; a bad
/// line before it is returned with its parse error.
pub(crate) fn scan(buf: &[u8]) -> (Vec<Scanned<'_>>, Option<TornTail>) {
    let mut lines: Vec<Scanned<'_>> = Vec::new();
    let mut start = 0;
    while let Some(nl) = buf[start..].iter().position(|&b| b == b'\n') {
        let bytes = &buf[start..start + nl];
        lines.push(Scanned {
            bytes,
            record: parse(bytes),
        });
        start += nl + 1;
    }
    if start < buf.len() {
        let torn = TornTail {
            line_no: lines.len() + 1,
            bytes: buf.len() - start,
        };
        return (lines, Some(torn));
    }
    if lines.last().is_some_and(|l| l.record.is_err()) {
        let last = lines.pop().map_or(0, |l| l.bytes.len() + 1);
        let torn = TornTail {
            line_no: lines.len() + 1,
            bytes: last,
        };
        return (lines, Some(torn));
    }
    (lines, None)
}

fn parse(bytes: &[u8]) -> std::result::Result<Record, String> {
    let record: Record = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if !record.data.is_object() {
        return Err("`data` is not an object".into());
    }
    Ok(record)
}

/// Reads a journal. A torn last line is reported, not an error; a bad line before the end is
/// an error naming its 1-based line number.
pub fn read(path: &Path) -> Result<ReadOutcome> {
    let buf = std::fs::read(path).wrap_err_with(|| {
        format!(
            "cannot read journal {}; check the path and permissions",
            path.display()
        )
    })?;
    let (scanned, torn_tail) = scan(&buf);
    let mut out = ReadOutcome {
        torn_tail,
        ..ReadOutcome::default()
    };
    for (i, line) in scanned.into_iter().enumerate() {
        let record = line.record.map_err(|e| {
            eyre!(
                "{}:{}: not a valid journal record ({e}); the journal is damaged, run `flightdeck journal verify`",
                path.display(),
                i + 1
            )
        })?;
        // parse() succeeded, so the bytes are valid JSON and hence valid UTF-8.
        out.lines
            .push(String::from_utf8_lossy(line.bytes).into_owned());
        out.records.push(record);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"seq":0,"ts":"t","operator":"o","host":"h","kind":"note","step":null,"data":{},"prev":"p"}"#;

    #[test]
    fn complete_lines_are_not_torn() {
        let buf = format!("{GOOD}\n{GOOD}\n");
        let (lines, torn) = scan(buf.as_bytes());
        assert_eq!((lines.len(), torn), (2, None));
    }

    #[test]
    fn missing_newline_is_torn() {
        let buf = format!("{GOOD}\n{GOOD}");
        let (lines, torn) = scan(buf.as_bytes());
        assert_eq!(lines.len(), 1);
        assert_eq!(
            torn,
            Some(TornTail {
                line_no: 2,
                bytes: GOOD.len()
            })
        );
    }

    #[test]
    fn invalid_last_line_is_torn_but_middle_is_not() {
        let buf = format!("{GOOD}\n{{\"seq\":1\n");
        let (lines, torn) = scan(buf.as_bytes());
        assert_eq!(lines.len(), 1);
        assert_eq!(
            torn,
            Some(TornTail {
                line_no: 2,
                bytes: 9
            })
        );

        let buf = format!("{GOOD}\nnope\n{GOOD}\n");
        let (lines, torn) = scan(buf.as_bytes());
        assert_eq!((lines.len(), torn), (3, None));
        assert!(lines[1].record.is_err());
    }

    #[test]
    fn data_must_be_an_object() {
        let buf = GOOD.replace(r#""data":{}"#, r#""data":[1]"#);
        assert!(parse(buf.as_bytes()).is_err());
    }

    #[test]
    fn empty_input_has_nothing() {
        let (lines, torn) = scan(b"");
        assert!(lines.is_empty() && torn.is_none());
    }
}

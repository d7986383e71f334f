//! Loggers: line formats (text, JSON lines) and colours ([`format`]), the line writer they
//! share ([`writer`]), stdout, file and composite loggers, and the resource line.

pub(crate) mod composite;
pub(crate) mod file;
pub(crate) mod format;
pub(crate) mod resource;
pub(crate) mod stdout;
pub(crate) mod writer;

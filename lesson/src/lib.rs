//! The Spanish lesson: `www/tutorial.md` rendered to HTML, with every `$…$` and `$$…$$` turned
//! into MathML (pulldown-cmark for the Markdown, pulldown-latex for the LaTeX). It runs at build
//! time: `render-lesson` puts the result into the built `index.html`, in place of [`MARKER`].

use pulldown_cmark::{Event, Options, Parser, html};
use pulldown_latex::config::DisplayMode;
use pulldown_latex::{RenderConfig, Storage, push_mathml};

/// The lesson's Markdown source.
pub const TUTORIAL_MD: &str = include_str!("../../www/tutorial.md");

/// What `index.html` holds inside `<article id="tutorial">` until the lesson replaces it.
pub const MARKER: &str = "<!--lesson-->";

/// LaTeX → MathML; on a LaTeX error, the source in a `<code>` so that the page still reads.
pub fn latex_to_mathml(latex: &str, display: bool) -> String {
    let storage = Storage::new();
    let parser = pulldown_latex::Parser::new(latex, &storage);
    let config = RenderConfig {
        display_mode: if display { DisplayMode::Block } else { DisplayMode::Inline },
        annotation: Some(latex),
        ..RenderConfig::default()
    };
    let mut out = String::new();
    match push_mathml(&mut out, parser, config) {
        Ok(()) => out,
        Err(_) => format!("<code>{}</code>", html_escape(latex)),
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Markdown (with tables, math and raw HTML) → HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_MATH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::InlineMath(latex) => Event::InlineHtml(latex_to_mathml(&latex, false).into()),
        Event::DisplayMath(latex) => Event::Html(latex_to_mathml(&latex, true).into()),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3);
    html::push_html(&mut out, events);
    out
}

/// The lesson as HTML.
pub fn tutorial_html() -> String {
    render(TUTORIAL_MD)
}

/// Why a page could not take the lesson.
#[derive(Debug, PartialEq, Eq)]
pub enum InsertError {
    /// The page has no [`MARKER`] (or it was already replaced).
    NoMarker,
    /// The page has the marker more than once.
    ManyMarkers(usize),
}

impl std::fmt::Display for InsertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InsertError::NoMarker => write!(f, "no {MARKER} in the page (inside <article id=\"tutorial\">)"),
            InsertError::ManyMarkers(n) => write!(f, "{MARKER} appears {n} times in the page, expected once"),
        }
    }
}

impl std::error::Error for InsertError {}

/// The page with `lesson` in place of its one [`MARKER`].
pub fn insert_lesson(page: &str, lesson: &str) -> Result<String, InsertError> {
    match page.matches(MARKER).count() {
        0 => Err(InsertError::NoMarker),
        1 => Ok(page.replacen(MARKER, lesson, 1)),
        n => Err(InsertError::ManyMarkers(n)),
    }
}

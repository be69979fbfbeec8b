//! The terms and their options, identifiers and free text.

use super::*;

impl Validator<'_> {
    pub(in crate::scenario) fn terms(
        &self,
        raw: Spanned<Vec<Spanned<RawTerm>>>,
    ) -> Result<Vec<Term>, InputError> {
        let span = raw.span();
        let raw = raw.into_inner();
        if raw.is_empty() {
            return Err(self
                .at(span, "no terms")
                .with_help("add at least one [[terms]] table"));
        }
        if raw.len() > MAX_TERMS {
            return Err(self
                .at(
                    span,
                    format!(
                        "{} terms are too many: at most {} terms",
                        thousands(raw.len() as u64),
                        thousands(MAX_TERMS as u64)
                    ),
                )
                .with_help("merge or drop terms that no agent weights"));
        }
        let mut seen = HashSet::new();
        let mut terms = Vec::with_capacity(raw.len());
        for t in raw {
            let tspan = t.span();
            let t = t.into_inner();
            let id = t.id.ok_or_else(|| {
                self.at(tspan.clone(), "a term is missing its `id`")
                    .with_help("add id = \"short_name\"")
            })?;
            self.check_id(&id, "term id")?;
            if !seen.insert(id.get_ref().clone()) {
                return Err(self
                    .at(id.span(), format!("duplicate term id `{}`", id.get_ref()))
                    .with_help("every term needs its own id"));
            }
            let opts = t.options.ok_or_else(|| {
                self.at(
                    tspan.clone(),
                    format!("term `{}` has no `options`", id.get_ref()),
                )
                .with_help("add options = [\"a\", \"b\"]")
            })?;
            let ospan = opts.span();
            let opts = opts.into_inner();
            if opts.len() < 2 {
                let has = match opts.len() {
                    0 => "no options".to_string(),
                    _ => format!("only one option (`{}`)", opts[0].get_ref()),
                };
                return Err(self
                    .at(ospan, format!("term `{}` has {has}", id.get_ref()))
                    .with_help("a term needs 2 to 256 options to negotiate over, for example options = [\"yes\", \"no\"]"));
            }
            if opts.len() > MAX_OPTIONS {
                return Err(self
                    .at(
                        ospan,
                        format!(
                            "term `{}` has {} options, more than the limit of {MAX_OPTIONS}",
                            id.get_ref(),
                            opts.len()
                        ),
                    )
                    .with_help("group options into ranges, or split the term in two"));
            }
            let mut seen_o = HashSet::new();
            let mut options = Vec::with_capacity(opts.len());
            for o in opts {
                self.check_id(&o, "option")?;
                if !seen_o.insert(o.get_ref().clone()) {
                    return Err(self
                        .at(
                            o.span(),
                            format!(
                                "duplicate option `{}` in term `{}`",
                                o.get_ref(),
                                id.get_ref()
                            ),
                        )
                        .with_help("every option of a term needs its own name"));
                }
                options.push(o.into_inner());
            }
            let labels = match t.labels {
                None => options.clone(),
                Some(l) => {
                    if l.get_ref().len() != options.len() {
                        return Err(self
                            .at(
                                l.span(),
                                format!(
                                    "term `{}` has {} labels for {} options",
                                    id.get_ref(),
                                    l.get_ref().len(),
                                    options.len()
                                ),
                            )
                            .with_help("give one label per option, in the order of `options`"));
                    }
                    let span = l.span();
                    l.into_inner()
                        .into_iter()
                        .map(|label| {
                            self.text(
                                Spanned::new(span.clone(), label),
                                "option label",
                                MAX_NAME_CHARS,
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()?
                }
            };
            let id = id.into_inner();
            let name = match t.name {
                None => id.clone(),
                Some(n) => self.text(n, "term name", MAX_NAME_CHARS)?,
            };
            if let Some(d) = t.description {
                self.text(d, "term description", MAX_DESCRIPTION_CHARS)?;
            }
            terms.push(Term {
                name,
                id,
                options,
                labels,
            });
        }
        Ok(terms)
    }

    pub(in crate::scenario) fn check_id(
        &self,
        id: &Spanned<String>,
        what: &str,
    ) -> Result<(), InputError> {
        let s = id.get_ref();
        let n = s.chars().count();
        let problem = if s.is_empty() {
            format!("{what} is empty")
        } else if n > MAX_NAME_CHARS {
            format!(
                "{what} `{}` is {} characters long, more than the limit of {MAX_NAME_CHARS}",
                quote(s),
                thousands(n as u64)
            )
        } else if let Some(c) = s
            .chars()
            .find(|&c| c.is_control() || c == ',' || c == '"' || is_invisible(c))
        {
            format!("{what} `{}` contains {}", quote(s), describe_char(c))
        } else {
            return Ok(());
        };
        Err(self.at(id.span(), problem).with_help(format!(
            "ids are 1 to {MAX_NAME_CHARS} characters without commas, quotes, control or invisible characters"
        )))
    }

    /// Checks the length of a free-text field and returns it.
    pub(in crate::scenario) fn text(
        &self,
        t: Spanned<String>,
        what: &str,
        max: usize,
    ) -> Result<String, InputError> {
        let n = t.get_ref().chars().count();
        if n > max {
            return Err(self
                .at(
                    t.span(),
                    format!(
                        "{what} is {} characters long, more than the limit of {}",
                        thousands(n as u64),
                        thousands(max as u64)
                    ),
                )
                .with_help(format!(
                    "shorten it to at most {} characters",
                    thousands(max as u64)
                )));
        }
        if let Some(c) = t
            .get_ref()
            .chars()
            .find(|&c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(self
                .at(t.span(), format!("{what} contains {}", describe_char(c)))
                .with_help("use printable text (line breaks and tabs are fine)"));
        }
        Ok(t.into_inner())
    }
}

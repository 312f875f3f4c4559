//! Query parameters as the PMS reads them, with the 400 messages it gives.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::property::Sysres;

/// The reason a request is refused with 400.
pub(crate) type Invalid = String;

/// The decoded query of one request.
pub(crate) struct Params<'a>(pub &'a [(String, String)]);

/// One requested room of an offers enquiry.
pub(crate) struct Guests {
    pub adults: u32,
    pub children_by_ages: Vec<u32>,
}

impl<'a> Params<'a> {
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn required(&self, name: &str) -> Result<&'a str, Invalid> {
        match self.get(name) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(format!("missing required parameter '{name}'")),
        }
    }

    pub fn date(&self, name: &str) -> Result<NaiveDate, Invalid> {
        parse_date(self.required(name)?)
            .ok_or_else(|| format!("parameter '{name}' must be a date in the form YYYY-MM-DD"))
    }

    pub fn integer<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Invalid> {
        self.get(name)
            .map(|value| {
                value
                    .parse()
                    .map_err(|_| format!("parameter '{name}' must be an integer"))
            })
            .transpose()
    }

    pub fn sysres(&self) -> Result<Sysres, Invalid> {
        match self.required("sysres")? {
            "qdo" => Ok(Sysres::Qdo),
            "ext" => Ok(Sysres::Ext),
            _ => Err("parameter 'sysres' must be 'qdo' or 'ext'".to_owned()),
        }
    }

    /// `api_lng`: a two-letter lowercase code when present.
    pub fn check_language(&self) -> Result<(), Invalid> {
        match self.get("api_lng") {
            Some(code) if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_lowercase()) => Err(
                "parameter 'api_lng' must be a two-letter language code such as 'en'".to_owned(),
            ),
            _ => Ok(()),
        }
    }

    /// `guests[i][adults]` and `guests[i][children_by_ages][j]`, PHP style.
    pub fn guests(&self) -> Result<Vec<Guests>, Invalid> {
        let mut rooms: BTreeMap<usize, (Option<u32>, BTreeMap<usize, u32>)> = BTreeMap::new();
        for (key, value) in self.0 {
            let Some(rest) = key.strip_prefix("guests") else {
                continue;
            };
            let malformed = || format!("malformed guests parameter '{key}'");
            let parts = brackets(rest).ok_or_else(malformed)?;
            let number = |text: &str| text.parse::<usize>().ok().filter(|n| *n < 100);
            let room = parts
                .first()
                .and_then(|p| number(p))
                .ok_or_else(malformed)?;
            let value: u32 = value
                .parse()
                .map_err(|_| format!("guests parameter '{key}' must be an integer"))?;
            let entry = rooms.entry(room).or_default();
            match parts.as_slice() {
                [_, "adults"] => entry.0 = Some(value),
                [_, "children_by_ages", child] => {
                    let child = number(child).ok_or_else(malformed)?;
                    entry.1.insert(child, value);
                }
                _ => return Err(malformed()),
            }
        }
        if rooms.is_empty() {
            return Err("missing required parameter 'guests'".to_owned());
        }
        rooms
            .into_iter()
            .enumerate()
            .map(|(expected, (room, (adults, children)))| {
                if room != expected {
                    return Err(format!("guests[{expected}] is missing"));
                }
                let adults = adults.ok_or_else(|| format!("guests[{room}][adults] is missing"))?;
                if !(1..=10).contains(&adults) {
                    return Err(format!("guests[{room}][adults] must be between 1 and 10"));
                }
                let children_by_ages: Vec<u32> = children.into_values().collect();
                if children_by_ages.iter().any(|age| *age > 17) {
                    return Err(format!(
                        "guests[{room}][children_by_ages] must hold ages between 0 and 17"
                    ));
                }
                Ok(Guests {
                    adults,
                    children_by_ages,
                })
            })
            .collect()
    }
}

/// `YYYY-MM-DD` exactly.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    well_formed
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

/// `[a][b][c]` as `["a", "b", "c"]`.
fn brackets(mut text: &str) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    while !text.is_empty() {
        let inner = text.strip_prefix('[')?;
        let close = inner.find(']')?;
        parts.push(&inner[..close]);
        text = &inner[close + 1..];
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parses_bracketed_guests() {
        let query = pairs(&[
            ("guests[0][adults]", "2"),
            ("guests[0][children_by_ages][0]", "5"),
            ("guests[0][children_by_ages][1]", "11"),
            ("guests[1][adults]", "1"),
        ]);
        let guests = Params(&query).guests().unwrap_or_default();
        assert_eq!(guests.len(), 2);
        assert_eq!(guests[0].adults, 2);
        assert_eq!(guests[0].children_by_ages, vec![5, 11]);
        assert!(guests[1].children_by_ages.is_empty());
    }

    #[test]
    fn refuses_gaps_and_garbage() {
        for bad in [
            vec![("guests[1][adults]", "2")],
            vec![("guests[0][adults]", "x")],
            vec![("guests[0][adult]", "2")],
            vec![("guests[0]adults", "2")],
            vec![("guests[0][children_by_ages][0]", "4")],
            vec![
                ("guests[0][adults]", "2"),
                ("guests[0][children_by_ages][0]", "18"),
            ],
        ] {
            assert!(Params(&pairs(&bad)).guests().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2026-03-15").is_some());
        for bad in ["2026-3-15", "2026-02-30", "+2026-03-15", "20260315xx"] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
    }
}

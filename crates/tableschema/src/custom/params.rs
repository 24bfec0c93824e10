//! Reading a custom check's `params`, with errors that say what to fix in the schema.

use super::BuildError;
use serde_json::{Map, Value};

/// A column named by a check's parameter, resolved to its schema field index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    pub name: String,
    pub index: usize,
}

/// The `params` object of one `custom_checks` entry, plus the schema's column lookup.
pub(crate) struct Params<'a> {
    check: &'a str,
    params: Option<&'a Map<String, Value>>,
    field_index: &'a dyn Fn(&str) -> Option<usize>,
}

impl<'a> Params<'a> {
    pub fn new(
        check: &'a str,
        entry: &'a Value,
        field_index: &'a dyn Fn(&str) -> Option<usize>,
    ) -> Result<Self, BuildError> {
        let params = match entry.get("params") {
            None => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                return Err(invalid(
                    check,
                    format!("« params » doit être un objet JSON, trouvé : {other}"),
                    format!("`params` must be a JSON object, found: {other}"),
                ));
            }
        };
        Ok(Self {
            check,
            params,
            field_index,
        })
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.params.and_then(|params| params.get(key))
    }

    /// A required parameter naming one column of the schema.
    pub fn column(&self, key: &str) -> Result<Column, BuildError> {
        match self.get(key) {
            None => Err(self.missing(key, "un nom de colonne", "a column name")),
            Some(Value::String(name)) => self.resolve(key, name),
            Some(other) => Err(self.wrong_type(key, other, "un nom de colonne", "a column name")),
        }
    }

    /// A required parameter naming a non-empty list of columns of the schema.
    pub fn columns(&self, key: &str) -> Result<Vec<Column>, BuildError> {
        let what_fr = "une liste de noms de colonnes";
        let what_en = "a list of column names";
        let Some(value) = self.get(key) else {
            return Err(self.missing(key, what_fr, what_en));
        };
        let Value::Array(items) = value else {
            return Err(self.wrong_type(key, value, what_fr, what_en));
        };
        if items.is_empty() {
            return Err(self.wrong_type(key, value, what_fr, what_en));
        }
        items
            .iter()
            .map(|item| match item {
                Value::String(name) => self.resolve(key, name),
                other => Err(self.wrong_type(key, other, what_fr, what_en)),
            })
            .collect()
    }

    /// An optional text parameter.
    pub fn optional_string(&self, key: &str) -> Result<Option<&'a str>, BuildError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.wrong_type(key, other, "du texte", "a string")),
        }
    }

    /// A required text parameter.
    pub fn string(&self, key: &str) -> Result<&'a str, BuildError> {
        self.optional_string(key)?
            .ok_or_else(|| self.missing(key, "du texte", "a string"))
    }

    /// An error about a parameter's value, for checks' own validations.
    pub fn invalid(&self, reason_fr: String, reason_en: String) -> BuildError {
        invalid(self.check, reason_fr, reason_en)
    }

    fn resolve(&self, key: &str, name: &str) -> Result<Column, BuildError> {
        match (self.field_index)(name) {
            Some(index) => Ok(Column {
                name: name.to_owned(),
                index,
            }),
            None => Err(self.invalid(
                format!(
                    "la colonne « {name} » (paramètre « {key} ») n'existe pas dans le schéma ; \
                     corrigez le nom pour qu'il soit exactement celui d'un champ (fields[].name)"
                ),
                format!(
                    "column `{name}` (parameter `{key}`) is not a field of the schema; \
                     use the exact name of one of its fields (fields[].name)"
                ),
            )),
        }
    }

    fn missing(&self, key: &str, what_fr: &str, what_en: &str) -> BuildError {
        self.invalid(
            format!("le paramètre « {key} » ({what_fr}) est obligatoire dans « params »"),
            format!("parameter `{key}` ({what_en}) is required in `params`"),
        )
    }

    fn wrong_type(&self, key: &str, found: &Value, what_fr: &str, what_en: &str) -> BuildError {
        self.invalid(
            format!("le paramètre « {key} » doit être {what_fr}, trouvé : {found}"),
            format!("parameter `{key}` must be {what_en}, found: {found}"),
        )
    }
}

fn invalid(check: &str, reason_fr: String, reason_en: String) -> BuildError {
    BuildError::Invalid {
        check: check.to_owned(),
        reason_fr,
        reason_en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lookup(name: &str) -> Option<usize> {
        ["a", "b"].iter().position(|field| *field == name)
    }

    #[test]
    fn resolves_columns_and_reports_unknown_ones() {
        let entry = json!({"name": "x", "params": {"column": "b", "columns": ["a", "zz"]}});
        let params = Params::new("x", &entry, &lookup).unwrap();
        assert_eq!(params.column("column").unwrap().index, 1);
        let Err(BuildError::Invalid { reason_fr, .. }) = params.columns("columns") else {
            panic!("an unknown column must be refused");
        };
        assert!(reason_fr.contains("« zz »"), "{reason_fr}");
    }

    #[test]
    fn reports_missing_and_mistyped_parameters() {
        let entry = json!({"name": "x", "params": {"column": 3}});
        let params = Params::new("x", &entry, &lookup).unwrap();
        assert!(params.column("column2").is_err());
        let Err(BuildError::Invalid { reason_en, .. }) = params.column("column") else {
            panic!("a number is not a column name");
        };
        assert!(reason_en.contains("found: 3"), "{reason_en}");
        assert!(Params::new("x", &json!({"params": []}), &lookup).is_err());
    }
}

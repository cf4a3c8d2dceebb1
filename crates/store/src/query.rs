//! Results of `cloudbuilder query`, independent of the store that produced them.

/// One cell of a query result.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryValue {
    /// SQL NULL.
    Null,
    /// An integer.
    Integer(i64),
    /// A double.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes, rendered as hex.
    Blob(Vec<u8>),
}

impl QueryValue {
    /// The value as JSON (text that holds a JSON object or array is not re-parsed).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            QueryValue::Null => serde_json::Value::Null,
            QueryValue::Integer(n) => (*n).into(),
            QueryValue::Real(x) => {
                serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into)
            }
            QueryValue::Text(s) => s.clone().into(),
            QueryValue::Blob(b) => b
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect::<String>()
                .into(),
        }
    }

    /// The value as display text (NULL is empty).
    pub fn to_text(&self) -> String {
        match self {
            QueryValue::Null => String::new(),
            QueryValue::Integer(n) => n.to_string(),
            QueryValue::Real(x) => x.to_string(),
            QueryValue::Text(s) => s.clone(),
            QueryValue::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        }
    }
}

/// Column names and rows of a query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    /// The column names, in order.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<QueryValue>>,
}

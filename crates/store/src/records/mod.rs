//! Records queries compiled to parameterised SQL.

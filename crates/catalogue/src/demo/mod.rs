//! Demo data: real Occitanie organisations and realistic generated SCDL files.

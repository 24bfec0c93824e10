//! Validata custom checks (see the module docs of each check).

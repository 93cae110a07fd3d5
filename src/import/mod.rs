//! Import proposals (being written).

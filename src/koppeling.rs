//! Koppelingen (being written).

//! Synthetic data (see the generator helper).

//! Profile checks (Smalle set, LVS-set).

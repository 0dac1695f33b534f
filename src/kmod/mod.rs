//! Kernel modules: modules.dep / modules.alias parsers (pure), load plan, loader.

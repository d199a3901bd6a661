int beta_core;

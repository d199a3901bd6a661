/* arm64 l-core */

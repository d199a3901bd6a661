/* arm l-core */

// Imports every scenario module so the registry knows them all.
import "./registry.ts";

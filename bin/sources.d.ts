// Types for sources.js (plain JavaScript: the launcher runs it before anything is built).
export declare const SOURCE_DIRS: string[];
export declare function newestSource(root: string): number;

package dev.berth.image;

/** Where the build of one image id is. */
public enum ImageBuildStatus {
    /** Never asked for. */
    UNKNOWN,
    BUILDING,
    READY,
    FAILED
}

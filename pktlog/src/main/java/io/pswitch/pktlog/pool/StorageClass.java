package io.pswitch.pktlog.pool;

/** What a flush of the pool file reaches, detected when the pool is opened. */
public enum StorageClass {
    /** MAP_SYNC mapping on a DAX file system: stores reach persistent memory after a cache-line flush. */
    DAX("dax"),
    /** A file system on a block device: msync writes the pages back to the device. */
    BLOCK("block"),
    /** tmpfs/ramfs: flushes are cheap and do not survive power loss (emulated persistent memory). */
    VOLATILE("volatile");

    private final String label;

    StorageClass(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}

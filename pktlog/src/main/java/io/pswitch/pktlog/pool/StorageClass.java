package io.pswitch.pktlog.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a flush of the pool file reaches, detected when the pool is opened. */
public enum StorageClass {
    /** MAP_SYNC mapping on a DAX file system: stores reach persistent memory after a cache-line flush. */
    DAX("dax"),
    /** A file system on a block device: msync writes the pages back to the device. */
    BLOCK("block"),
    /**
     * tmpfs/ramfs/hugetlbfs: flushes are cheap and do not survive power loss (emulated persistent
     * memory). On hugetlbfs the same, on huge pages: see {@link #describe(long)}.
     */
    VOLATILE("volatile");

    private final String label;

    StorageClass(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * Whether a record's copy in a pool of this class outlives a power cut (once committed): on
     * persistent memory (dax) and on a disk (msync), yes; in memory (tmpfs, ramfs), no. Decides when
     * a tiered hot tier may give a record's buffer back (see {@code TieredRetention}): a copy that
     * cannot outlive a power cut protects nothing that the record's completed direct-I/O write in
     * its segment does not protect already, so it may go once that write returned; a copy that can
     * must stay until the segment's flush.
     */
    public boolean survivesPowerLoss() {
        return this != VOLATILE;
    }

    @Override
    public String toString() {
        return label;
    }

    /**
     * The class with the page size of the mapping when it is not the usual 4 KiB, for the start-up
     * report: "volatile, on 2 MiB huge pages". The page size changes no
     * promise of durability, only what a cold buffer costs (a TLB miss and a page walk on 4 KiB pages
     * for a pool larger than the TLB reaches).
     */
    public String describe(long pageSize) {
        return pageSize > HugePages.SMALL_PAGE ? label + ", on " + HugePages.label(pageSize) + " huge pages" : label;
    }

    /**
     * Whether {@code file} (or, while it does not exist yet, its directory) is on tmpfs, ramfs or
     * hugetlbfs: the page cache is the file, so a store is in it at once and a flush has nothing to write back.
     * False when the file system cannot be told: flush, as on a disk.
     */
    public static boolean inMemory(Path file) {
        try {
            return switch (Files.getFileStore(Files.exists(file) ? file : file.toAbsolutePath().getParent()).type()) {
                case "tmpfs", "ramfs", "hugetlbfs" -> true;
                default -> false;
            };
        } catch (IOException e) {
            return false;
        }
    }
}

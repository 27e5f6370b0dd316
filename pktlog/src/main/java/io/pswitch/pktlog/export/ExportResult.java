package io.pswitch.pktlog.export;

import java.nio.file.Path;
import java.util.List;

/**
 * What an export did.
 *
 * @param records records written
 * @param bytes bytes written, all files
 * @param files the files written, in order
 * @param skippedRetired records retention retired (and the switch possibly overwrote) while they were being read
 * @param crcMismatches records whose CRC (record + frame) did not verify: corrupt, or caught mid-rewrite
 * @param elapsedNs wall time of the export
 * @param skippedObjects archive objects and chunks skipped (missing, or failing their CRC), one line each naming them
 */
public record ExportResult(long records, long bytes, List<Path> files, long skippedRetired, long crcMismatches, long elapsedNs,
                           List<String> skippedObjects) {
    public ExportResult {
        skippedObjects = List.copyOf(skippedObjects);
    }

    public double recordsPerSecond() {
        return elapsedNs == 0 ? 0 : records * 1e9 / elapsedNs;
    }

    /** The one-line JSON summary of {@code log export --json}. */
    public String toJson() {
        StringBuilder files = new StringBuilder("[");
        for (Path f : this.files) {
            files.append(files.length() > 1 ? "," : "").append(quote(f.toString()));
        }
        files.append(']');
        return "{\"records\":" + records + ",\"bytes\":" + bytes + ",\"files\":" + files
                + ",\"skippedRetired\":" + skippedRetired + ",\"crcMismatches\":" + crcMismatches
                + ",\"skippedObjects\":" + skippedObjects.size()
                + ",\"elapsedMs\":" + String.format(java.util.Locale.ROOT, "%.3f", elapsedNs / 1e6) + "}";
    }

    private static String quote(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

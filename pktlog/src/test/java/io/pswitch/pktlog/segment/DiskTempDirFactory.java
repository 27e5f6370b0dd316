package io.pswitch.pktlog.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories on a block file system (/var/tmp when it exists: ext4 here and in CI), so
 * that segment tests exercise real {@code O_DIRECT}; java.io.tmpdir otherwise.
 */
public final class DiskTempDirFactory implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
        Path varTmp = Path.of("/var/tmp");
        if (Files.isDirectory(varTmp) && Files.isWritable(varTmp)) {
            return Files.createTempDirectory(varTmp, "pktlog-seg-test");
        }
        return Files.createTempDirectory("pktlog-seg-test");
    }
}

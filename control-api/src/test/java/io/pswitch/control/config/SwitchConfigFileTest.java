package io.pswitch.control.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SwitchConfigFileTest {
    @TempDir
    Path tmp;

    private Path write(String yaml) throws IOException {
        Path f = tmp.resolve("pswitch.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void readsEveryKey() throws IOException {
        SwitchConfigFile c = SwitchConfigFile.read(write("""
                dataDir: /var/lib/psw
                workers: 1
                pool: { buffers: 4096, bufferSize: 4096 }
                ringSize: 256
                batch: 64
                idle: busy
                fdb: { capacity: 1024, ageing: 60s }
                statusInterval: 2s
                ports:
                  - a=shm:a
                  - b=pcapfile:in.pcap,out=out.pcap
                """));
        assertThat(c.dataDir).isEqualTo("/var/lib/psw");
        assertThat(c.pool.buffers).isEqualTo(4096);
        assertThat(c.pool.bufferSize).isEqualTo(4096);
        assertThat(c.fdb.ageing).isEqualTo("60s");
        assertThat(c.ports).containsExactly("a=shm:a", "b=pcapfile:in.pcap,out=out.pcap");
    }

    @Test
    void namesAnUnknownKeyAndTheKnownOnes() throws IOException {
        Path f = write("ports: [a=shm:a]\nbufers: 3\n");
        assertThatThrownBy(() -> SwitchConfigFile.read(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key 'bufers'")
                .hasMessageContaining("known: api, archive, batch, dataDir");
    }

    @Test
    void readsTheArchiveKeysAndTheSwitchName() throws IOException {
        Path f = write("name: edge-1\narchive: { location: s3://captures/pswitch, endpoint: http://127.0.0.1:9000, retention: 30d }\n");
        SwitchConfigFile c = SwitchConfigFile.read(f);
        assertThat(c.name).isEqualTo("edge-1");
        assertThat(c.archive.location).isEqualTo("s3://captures/pswitch");
        assertThat(c.archive.endpoint).isEqualTo("http://127.0.0.1:9000");
        assertThat(c.archive.retention).isEqualTo("30d");
    }

    @Test
    void namesAWronglyTypedKeyWithItsLine() throws IOException {
        Path f = write("ports: [a=shm:a]\npool:\n  buffers: many\n");
        assertThatThrownBy(() -> SwitchConfigFile.read(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad value for 'pool.buffers'")
                .hasMessageContaining("line 3");
    }

    @Test
    void reportsInvalidYamlAndMissingFiles() throws IOException {
        Path f = write("ports: [a=shm:a\n");
        assertThatThrownBy(() -> SwitchConfigFile.read(f)).hasMessageContaining("is not valid YAML");
        assertThatThrownBy(() -> SwitchConfigFile.read(tmp.resolve("nope.yaml")))
                .hasMessage("config file " + tmp.resolve("nope.yaml") + " does not exist");
    }

    @Test
    void anEmptyFileIsAllDefaults() throws IOException {
        assertThat(SwitchConfigFile.read(write("")).ports).isEmpty();
    }
}

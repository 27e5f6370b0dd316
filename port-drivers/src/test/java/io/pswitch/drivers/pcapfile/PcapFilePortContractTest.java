package io.pswitch.drivers.pcapfile;

import io.pswitch.dataplane.port.Port;
import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.drivers.PortDriverContractTest;
import io.pswitch.pktlog.pcap.CaptureReader;
import io.pswitch.pktlog.pcap.PcapWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The driver contract, with a real input capture and the real output file as the peer. */
class PcapFilePortContractTest extends PortDriverContractTest {
    @Override
    protected boolean txBackPressure() {
        return false; // a file never fills
    }

    @Override
    protected boolean rxBackPressure() {
        return true; // frames beyond the ring's space stay in the file
    }

    @Override
    protected Harness open(PortContext context, List<byte[]> toReceive) throws Exception {
        Path in = tmp.resolve("in.pcap");
        Path out = tmp.resolve("out.pcap");
        try (PcapWriter w = PcapWriter.create(in)) {
            long ts = 1_700_000_000_000_000_000L;
            for (byte[] f : toReceive) {
                w.write(ts++, f);
            }
        }
        Port port = new PcapFilePortFactory().open(PortSpec.parse("p0=pcapfile:" + in + ",out=" + out), context);
        return new Harness() {
            @Override
            public Port port() {
                return port;
            }

            @Override
            public void pump() {
                // the whole input was in the file at open
            }

            @Override
            public List<byte[]> transmitted(boolean portClosed) {
                List<byte[]> seen = new ArrayList<>();
                if (!portClosed) {
                    return seen; // out is buffered: complete only once the port is closed
                }
                try (CaptureReader r = CaptureReader.open(out)) {
                    while (r.next()) {
                        seen.add(r.data());
                    }
                }
                return seen;
            }

            @Override
            public void close() {
                port.close();
            }
        };
    }
}

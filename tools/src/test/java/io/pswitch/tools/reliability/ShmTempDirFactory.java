package io.pswitch.tools.reliability;

/**
 * pktlog's {@link io.pswitch.pktlog.index.ShmTempDirFactory} under the name this package's tests
 * already use; no code of its own. Remove once OverloadTest and AbuseTest import the shared one.
 */
public final class ShmTempDirFactory extends io.pswitch.pktlog.index.ShmTempDirFactory {
}

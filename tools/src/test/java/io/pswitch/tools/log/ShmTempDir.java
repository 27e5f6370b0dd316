package io.pswitch.tools.log;

/**
 * pktlog's {@link io.pswitch.pktlog.index.ShmTempDirFactory} under the name this package's tests
 * already use; no code of its own. Remove once LogReplayTest import the shared one.
 */
public final class ShmTempDir extends io.pswitch.pktlog.index.ShmTempDirFactory {
}

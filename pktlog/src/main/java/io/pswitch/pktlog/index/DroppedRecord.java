package io.pswitch.pktlog.index;

/**
 * One record that recovery or verification did not accept.
 *
 * @param slot index slot it was found in
 * @param sequence the sequence the slot claims (may be garbage for a torn record)
 * @param reason why it was dropped
 */
public record DroppedRecord(int slot, long sequence, RecordStatus reason) {
    @Override
    public String toString() {
        return "slot " + slot + " seq " + sequence + ": " + reason;
    }
}

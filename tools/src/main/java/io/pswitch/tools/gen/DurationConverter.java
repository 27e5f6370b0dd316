package io.pswitch.tools.gen;

import io.pswitch.control.time.TimeSpec;
import picocli.CommandLine;

/** picocli's adapter to {@link TimeSpec#duration}, the project's one duration grammar; nanoseconds. */
public final class DurationConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return TimeSpec.duration(value).toNanos();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 10s, 500ms, 2m)");
        }
    }
}

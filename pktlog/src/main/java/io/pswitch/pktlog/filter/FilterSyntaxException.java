package io.pswitch.pktlog.filter;

/** A filter expression that libpcap will not compile; the message is libpcap's own. */
public final class FilterSyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String expression;
    private final String pcapMessage;

    private final String filterName;

    public FilterSyntaxException(String expression, String pcapMessage) {
        this(null, expression, pcapMessage);
    }

    /** The same failure, attributed to the named filter. */
    public FilterSyntaxException(String filterName, String expression, String pcapMessage) {
        super((filterName == null ? "" : "filter '" + filterName + "': ")
                + "bad filter expression '" + expression + "': " + pcapMessage);
        this.filterName = filterName;
        this.expression = expression;
        this.pcapMessage = pcapMessage;
    }

    /** The filter whose expression this is, or null when compiled on its own. */
    public String filterName() {
        return filterName;
    }

    public String expression() {
        return expression;
    }

    /** What {@code pcap_geterr} said, e.g. "syntax error" or "unknown host 'foo'". */
    public String pcapMessage() {
        return pcapMessage;
    }
}

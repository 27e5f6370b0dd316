"""Tables of this section from the harness's JSON: python3 table.py run1.json run2.json ..."""
import json, statistics as st, sys

DUTS = [('ax', 'afxdp A'), ('bx', 'afxdp B'), ('bx4k', 'afxdp B --ring-size 4096'), ('ap', 'afpacket A'),
        ('bp', 'afpacket B'), ('ax2', 'afxdp A, 2 workers'), ('bx2', 'afxdp B, 2 workers')]
loads = {}
try:
    for line in open('loads.txt'):
        n, rest = line.split(':', 1)
        loads[n.split()[1]] = rest.split('at')[0].replace('load', '').strip().split()[0]
except OSError:
    pass
runs = [(f, json.load(open(f))) for f in sys.argv[1:]]
print('| run (order), load | bridge p50 / p99 µs; iperf3 Gbit/s (retr.) |')
print('|---|---|')
for f, r in runs:
    res = r['results']; b = res['linuxbr']; n = f.replace('run', '').replace('.json', '')
    print(f"| {n} ({', '.join(res.keys())}), {loads.get(n, '?')} | {b['ping.p50_us']} / {b['ping.p99_us']}; "
          f"{b['iperf.gbps']} ({b['iperf.retransmits']}) |")
print()
print('| DUT | ' + ' | '.join('run ' + f.replace('run', '').replace('.json', '') for f, _ in runs)
      + ' | median [min–max] p99 × / iperf3 × |')
print('|---|' + '---|' * (len(runs) + 1))
for d, label in DUTS:
    cells, p99s, ips = [], [], []
    for f, r in runs:
        res = r['results']; b = res['linuxbr']; x = res.get(d)
        if not x or x.get('status') != 'ok':
            cells.append('failed'); continue
        p50 = x['ping.p50_us'] / b['ping.p50_us']; p99 = x['ping.p99_us'] / b['ping.p99_us']
        ip = x['iperf.gbps'] / b['iperf.gbps']
        p99s.append(p99); ips.append(ip)
        cells.append(f"{x['ping.p50_us']} / {x['ping.p99_us']} ({p50:.1f}× / {p99:.1f}×); {ip:.2f}×, {x['iperf.retransmits']} retr.")
    med = (f"{st.median(p99s):.2f}× [{min(p99s):.2f}–{max(p99s):.2f}] / {st.median(ips):.2f}× [{min(ips):.2f}–{max(ips):.2f}]"
           if p99s else '-')
    print(f"| {label} | " + ' | '.join(cells) + f" | {med} |")

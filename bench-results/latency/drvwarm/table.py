"""Prints the BENCHMARKS.md table of the five runs (ping avg / p99 µs, p99 and iperf3 as multiples of the bridge's) and the medians."""
import json, statistics as st, sys, os
B = os.path.dirname(os.path.abspath(__file__))
duts = ['xold', 'xnew', 'pold', 'pnew']
ratios = {d: [] for d in duts}; iperf = {d: [] for d in duts}; avg = {d: [] for d in duts + ['linuxbr']}; p99 = {d: [] for d in duts + ['linuxbr']}
print('| ping avg / p99 µs (p99 × bridge); iperf3 × bridge | bridge | afxdp old | afxdp new | afpacket old | afpacket new | DUT order |')
print('|---|---|---|---|---|---|---|')
for n in range(1, 6):
    j = json.load(open(f'{B}/drvwarm-run{n}.json')); r = j['results']; br = r['linuxbr']
    cells = [f"{br['ping.avg_us']} / {br['ping.p99_us']}; {br['iperf.gbps']} Gbit/s"]
    avg['linuxbr'].append(br['ping.avg_us']); p99['linuxbr'].append(br['ping.p99_us'])
    for d in duts:
        x = r[d]; ra = x['ping.p99_us'] / br['ping.p99_us']; ia = x['iperf.gbps'] / br['iperf.gbps']
        ratios[d].append(ra); iperf[d].append(ia); avg[d].append(x['ping.avg_us']); p99[d].append(x['ping.p99_us'])
        cells.append(f"{x['ping.avg_us']:,} / {x['ping.p99_us']:,} ({ra:.1f}×); {ia:.2f}×")
    order = ', '.join(k for k in r.keys() if k != 'linuxbr')
    print(f"| run {n} | " + ' | '.join(cells) + f" | {order} |")
med = [f"{st.median(avg['linuxbr']):.0f} / {st.median(p99['linuxbr']):.0f}"]
for d in duts:
    med.append(f"{st.median(avg[d]):.0f} / {st.median(p99[d]):.0f} ({st.median(ratios[d]):.1f}×); {st.median(iperf[d]):.2f}×")
print('| **median** | ' + ' | '.join(med) + ' | |')

import json,sys,statistics as st
runs=[json.load(open(f)) for f in sys.argv[1:]]
duts=['ap','bp','x']
print("| run (DUT order) | bridge ping p50 / p99 µs; iperf3 Gbit/s | afpacket A: p50 / p99 (× bridge); iperf3 × bridge; retrans. | afpacket B | afxdp (A = B) |")
print("|---|---|---|---|---|")
acc={d:{'p50':[],'p99':[],'ip':[]} for d in duts}
for i,(f,r) in enumerate(zip(sys.argv[1:],runs)):
    res=r['results']; order=", ".join(res.keys()); b=res['linuxbr']
    cells=[]
    for d in duts:
        x=res[d]; p50=x['ping.p50_us']/b['ping.p50_us']; p99=x['ping.p99_us']/b['ping.p99_us']; ip=x['iperf.gbps']/b['iperf.gbps']
        acc[d]['p50'].append(p50); acc[d]['p99'].append(p99); acc[d]['ip'].append(ip)
        cells.append(f"{x['ping.p50_us']} / {x['ping.p99_us']} ({p50:.1f}× / {p99:.1f}×); {ip:.2f}×; {x['iperf.retransmits']}")
    print(f"| {i+1} ({order}) | {b['ping.p50_us']} / {b['ping.p99_us']}; {b['iperf.gbps']} ({b['iperf.retransmits']}) | " + " | ".join(cells) + " |")
def m(v): return f"{st.median(v):.2f}× [{min(v):.2f}–{max(v):.2f}]"
print("| **median [min–max]** | | " + " | ".join(f"p50 {m(acc[d]['p50'])}; p99 {m(acc[d]['p99'])}; iperf3 {m(acc[d]['ip'])}" for d in duts) + " |")

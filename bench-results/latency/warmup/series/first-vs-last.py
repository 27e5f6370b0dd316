import re, glob, statistics as st, collections
res=collections.defaultdict(list)
for f in sorted(glob.glob("s-*-*.ping.txt")):
    d=f.split("/")[-1].split("-")[1]
    t=[float(m)*1000 for m in re.findall(r"icmp_seq=\d+ ttl=\d+ time=([0-9.]+)", open(f).read())]
    if len(t)<200: print("short", f, len(t)); continue
    row=(st.mean(t[:20]), st.median(t[:50]), st.mean(t[:50]), st.mean(t[150:]), st.median(t[150:]), max(t[:50]), sorted(t)[197])
    res[d].append(row)
    print(f.split("/")[-1], " ".join(f"{v:.0f}" for v in row))
for d,rows in res.items():
    print(d, "median over runs: first20 mean %.0f, first50 median %.0f, first50 mean %.0f, last50 mean %.0f, last50 median %.0f, first50 max %.0f, p99 %.0f" % tuple(st.median(r[i] for r in rows) for i in range(7)))

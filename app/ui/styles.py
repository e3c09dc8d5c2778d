"""The UI's stylesheet, injected once as a <style> block (the host mounts the UI; Gradio's theme stays)."""

CSS = """
.c4u-topbar{display:flex;align-items:center;gap:1rem;padding:.2rem 0 .6rem;border-bottom:1px solid #e5e7eb}
.c4u-topbar h1{font-size:1.35rem;margin:0}.c4u-topbar .c4u-spacer{flex:1}
.c4u-topbar form{margin:0}.c4u-topbar button{background:none;border:1px solid #cbd5e1;border-radius:6px;
padding:.25rem .7rem;cursor:pointer}
.c4u-row{display:flex;align-items:center;gap:.7rem;flex-wrap:wrap}.c4u-row h2,.c4u-row h3{margin:.2rem 0}
.c4u-spacer{flex:1}
.c4u-sub{color:#64748b;font-size:.86rem}.c4u-muted{color:#94a3b8}
.c4u-badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-size:.78rem;font-weight:600}
.c4u-grey{background:#e2e8f0;color:#334155}.c4u-blue{background:#dbeafe;color:#1e40af}
.c4u-green{background:#dcfce7;color:#166534}.c4u-red{background:#fee2e2;color:#991b1b}
.c4u-chip{display:inline-block;background:#f1f5f9;border:1px solid #e2e8f0;border-radius:999px;
padding:.05rem .55rem;margin:.1rem .2rem .1rem 0;font-size:.8rem}
.c4u-notice{padding:.6rem .8rem;border-radius:8px;margin:.4rem 0}.c4u-notice-info{background:#eff6ff}
.c4u-notice-ok{background:#ecfdf5;color:#065f46}.c4u-notice-error{background:#fef2f2;color:#991b1b}
.c4u-empty{padding:1.2rem;text-align:center;color:#64748b;border:1px dashed #cbd5e1;border-radius:8px}
.c4u-cost{padding:.6rem .8rem;background:#f8fafc;border:1px solid #e2e8f0;border-radius:8px}
.c4u-report h4{margin:.2rem 0}.c4u-ok{color:#166534;font-weight:600}.c4u-bad{color:#b91c1c;font-weight:600}
.c4u-files{margin:.2rem 0 .6rem 1.2rem;font-size:.9rem}.c4u-rejected li{color:#991b1b}
.c4u-progress{height:18px;background:#e2e8f0;border-radius:9px;overflow:hidden;margin:.6rem 0 .3rem}
.c4u-progress span{display:block;height:100%;background:linear-gradient(90deg,#2f5bea,#4f9cf9);
transition:width .6s ease}
.c4u-progress-card{padding:1rem;border:1px solid #e2e8f0;border-radius:10px;background:#fff}
.c4u-step{margin:.4rem 0}.c4u-facts{color:#475569;margin:.3rem 0}
.c4u-leader{display:flex;gap:.7rem;align-items:center;margin-top:.6rem}
.c4u-thumb{object-fit:cover;border-radius:6px;background:#f1f5f9}.c4u-small{width:72px;height:72px}
.c4u-tiny{width:40px;height:40px}
.c4u-gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:.8rem}
.c4u-card{position:relative;margin:0;border:2px solid #e2e8f0;border-radius:10px;overflow:hidden;background:#fff;
cursor:pointer;transition:border-color .15s,box-shadow .15s}
.c4u-card:hover{border-color:#93c5fd}.c4u-card.c4u-picked{border-color:#2f5bea;box-shadow:0 0 0 3px #2f5bea55}
.c4u-card.c4u-top{border-color:#22c55e}
.c4u-card img{width:100%;aspect-ratio:1/1;object-fit:contain;background:#f8fafc;display:block}
.c4u-card figcaption{padding:.45rem .55rem;font-size:.85rem}
.c4u-name{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.c4u-rank{background:#0f172a;color:#fff !important;border-radius:6px;padding:0 .4rem;font-weight:700;margin-right:.2rem}
.c4u-card.c4u-top .c4u-rank{background:#16a34a}
.c4u-best{position:absolute;top:6px;right:6px;background:#16a34a;color:#fff !important;border-radius:6px;
padding:.05rem .5rem;font-size:.8rem;font-weight:700}
.c4u-ctr{color:#0f766e;font-weight:600}
.c4u-button{display:inline-block;padding:.35rem .8rem;border:1px solid #cbd5e1;border-radius:6px;
text-decoration:none;color:#1e293b;background:#fff;margin-left:.3rem}
.c4u-section{margin:.6rem 0}.c4u-section h3{margin:.3rem 0}
.c4u-chart .grid{stroke:#e2e8f0}.c4u-chart .tick{font-size:13px;fill:#64748b}
.c4u-chart .label{font-size:15px;fill:#1e293b}.c4u-chart .ci{stroke-width:6;stroke-linecap:round}
.c4u-chart .ci.lead{stroke:#86efac}.c4u-chart .ci.rest{stroke:#bfdbfe}
.c4u-chart .dot.lead{fill:#16a34a}.c4u-chart .dot.rest{fill:#2f5bea}
.c4u-heatmap{border-collapse:collapse;font-size:.8rem}
.c4u-heatmap th,.c4u-heatmap td{border:1px solid #fff;padding:.3rem .45rem;text-align:center;min-width:2.6rem}
.c4u-heatmap .c4u-rowhead{text-align:left;white-space:nowrap}.c4u-diag{background:#e2e8f0}
.c4u-cell{cursor:pointer}.c4u-cell:hover{outline:2px solid #2f5bea}.c4u-unjudged{color:#94a3b8}
.c4u-pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.c4u-pair-card{margin:0;border:2px solid #e2e8f0;border-radius:10px;padding:.5rem;background:#fff}
.c4u-pair-card.c4u-winner{border-color:#22c55e}
.c4u-full{width:100%;max-height:420px;object-fit:contain;background:#f8fafc;border-radius:6px}
.c4u-verdict{font-size:1.1rem;font-weight:600;margin:.8rem 0;padding:.6rem .8rem;background:#f0fdf4;
border-radius:8px}
.c4u-orders{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.c4u-order{border:1px solid #e2e8f0;border-radius:8px;padding:.6rem}.c4u-order h4{margin:0 0 .3rem}
.c4u-big{font-size:1.05rem;font-weight:700}
.c4u-meter{height:10px;background:#fecaca;border-radius:5px;overflow:hidden;margin:.3rem 0}
.c4u-meter span{display:block;height:100%;background:#22c55e}
.c4u-protocol,.c4u-table{border-collapse:collapse;width:100%;font-size:.88rem}
.c4u-protocol th,.c4u-protocol td,.c4u-table th,.c4u-table td{border-bottom:1px solid #e2e8f0;
padding:.35rem .5rem;text-align:left}
.c4u-ans{font-weight:700;text-align:center}.c4u-ans.win{color:#15803d}.c4u-ans.lose{color:#b91c1c}
.c4u-ans.even{color:#475569}.c4u-qn{color:#64748b}
.c4u-reasoning pre{white-space:pre-wrap;background:#f8fafc;border:1px solid #e2e8f0;border-radius:8px;
padding:.7rem;font-family:inherit;font-size:.9rem;max-height:360px;overflow:auto}
.c4u-history tbody tr{cursor:pointer}.c4u-history tbody tr:hover{background:#f1f5f9}
"""

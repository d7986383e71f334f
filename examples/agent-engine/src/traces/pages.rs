//! The trace view's pages: self-contained HTML with inline CSS and JavaScript.

use std::fmt::Write as _;

use serde_json::Value;
use telemetry_recorder::{TraceSummary, format_duration, format_usd};

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--bg:#fff;--fg:#1d232a;--mut:#667085;--line:#e4e7ec;--srv:#7c3aed;--cli:#0891b2;--int:#64748b;
--agent:#2563eb;--chat:#16a34a;--tool:#d97706;--err:#dc2626;--sel:#eef4ff}
*{box-sizing:border-box}body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:10px 16px;border-bottom:1px solid var(--line);display:flex;gap:16px;align-items:baseline}
header h1{font-size:16px;margin:0}header a{color:var(--agent);text-decoration:none}
main{padding:12px 16px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
th{color:var(--mut);font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.trace:hover{background:var(--sel);cursor:pointer}a.trace-link{color:inherit;text-decoration:none;font-weight:600}
.st-ok{color:var(--chat)}.st-error{color:var(--err);font-weight:600}
form{display:flex;gap:10px;align-items:center;margin-bottom:10px}input,select{font:inherit;padding:2px 4px}
.err{color:var(--err);margin:8px 0}.mut{color:var(--mut)}code{font-family:ui-monospace,monospace;font-size:12px}
"#;

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\
         <header><h1>{}</h1><a href=\"/traces\">recent traces</a>\
         <a href=\"/api/traces\">JSON</a></header><main>{body}</main></body></html>",
        escape(title),
        escape(title)
    )
}

/// A page with just a message.
pub(crate) fn message(title: &str, text: &str) -> String {
    shell(title, &format!("<p class=\"err\">{}</p>", escape(text)))
}

/// The list of recent traces, with the filter form (`filter` = status, min duration as given).
pub(crate) fn list(
    traces: &[TraceSummary],
    filter: &(String, String),
    error: Option<&str>,
    sampling_note: Option<&str>,
) -> String {
    let mut body = String::new();
    if let Some(note) = sampling_note {
        let _ = write!(
            body,
            "<p class=\"mut\" id=\"sampling\">{}</p>",
            escape(note)
        );
    }
    let sel = |v: &str| if filter.0 == v { " selected" } else { "" };
    let _ = write!(
        body,
        "<form method=\"get\" action=\"/traces\">\
         <label>status <select name=\"status\"><option value=\"\"{}>any</option>\
         <option value=\"ok\"{}>ok</option><option value=\"error\"{}>error</option></select></label>\
         <label>min duration <input name=\"min_duration\" size=\"8\" placeholder=\"250ms\" value=\"{}\"></label>\
         <button type=\"submit\">filter</button><span class=\"mut\">{} traces</span></form>",
        sel(""),
        sel("ok"),
        sel("error"),
        escape(&filter.1),
        traces.len()
    );
    if let Some(e) = error {
        let _ = write!(body, "<p class=\"err\">{}</p>", escape(e));
    }
    body.push_str(
        "<table id=\"traces\"><thead><tr><th>root</th><th>start (UTC)</th><th class=\"num\">duration</th>\
         <th>status</th><th class=\"num\">spans</th><th class=\"num\">tokens (in → out)</th><th class=\"num\">cost</th>\
         <th class=\"num\">scores</th><th>trace id</th></tr></thead><tbody>",
    );
    for t in traces {
        let id = t.trace_id.to_string();
        let start = humantime::format_rfc3339_millis(t.start).to_string();
        let (class, status) = if t.error {
            ("st-error", "error")
        } else {
            ("st-ok", "ok")
        };
        let tokens = if t.input_tokens + t.output_tokens == 0 {
            String::from("–")
        } else {
            format!(
                "{} ({} → {})",
                t.input_tokens + t.output_tokens,
                t.input_tokens,
                t.output_tokens
            )
        };
        let cost = t.cost_usd.map_or_else(|| String::from("–"), format_usd);
        let scores = if t.evaluations == 0 {
            String::from("–")
        } else {
            t.evaluations.to_string()
        };
        let _ = write!(
            body,
            "<tr class=\"trace\" data-trace-id=\"{id}\" onclick=\"location.href='/traces/{id}'\">\
             <td><a class=\"trace-link\" href=\"/traces/{id}\">{}</a>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"{class}\">{status}</td><td class=\"num\">{}</td><td class=\"num\">{tokens}</td>\
             <td class=\"num cost\">{cost}</td><td class=\"num scores\">{scores}</td><td><code>{id}</code></td></tr>",
            escape(&t.root_name),
            if t.complete {
                ""
            } else {
                " <span class=\"mut\">(root still open)</span>"
            },
            escape(start.trim_end_matches('Z').replace('T', " ").as_str()),
            format_duration(t.duration),
            t.span_count,
        );
    }
    if traces.is_empty() && error.is_none() {
        body.push_str("<tr><td colspan=\"9\" class=\"mut\">no traces recorded yet: send a message to the agent</td></tr>");
    }
    body.push_str("</tbody></table>");
    shell("Recent traces", &body)
}

const WATERFALL_STYLE: &str = r#"
#summary{margin-bottom:8px}#summary b{margin-right:14px}
#wf{border:1px solid var(--line);border-radius:4px;overflow:hidden}
.row{display:flex;border-bottom:1px solid var(--line);height:24px;align-items:center;cursor:pointer}
.row:hover{background:#f7f9fc}.row.selected{background:var(--sel)}
.label{flex:0 0 42%;padding:0 8px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.label .nm{font-weight:600}.label .gi{color:var(--mut);margin-left:6px;font-size:12px}
.lane{position:relative;flex:1;height:100%;margin-right:64px;border-left:1px solid var(--line)}
.bar{position:absolute;top:5px;height:14px;min-width:2px;border-radius:2px;background:var(--int)}
.bar .dur{position:absolute;left:100%;margin-left:4px;font-size:11px;color:var(--mut);white-space:nowrap;top:-1px}
.k-SERVER{background:var(--srv)}.k-CLIENT{background:var(--cli)}
.op-invoke_agent{background:var(--agent)}.op-chat{background:var(--chat)}.op-execute_tool{background:var(--tool)}
.bar.error{background:var(--err)}
.ticks{display:flex;height:20px;border-bottom:1px solid var(--line);font-size:11px;color:var(--mut)}
.ticks .label{font-weight:600}.ticks .lane{border-left:1px solid var(--line)}
.tick{position:absolute;top:3px;transform:translateX(-50%)}
#detail{margin-top:12px;border:1px solid var(--line);border-radius:4px;padding:10px;display:none}
#detail h2{font-size:14px;margin:0 0 6px}#detail table td{white-space:normal;word-break:break-word;vertical-align:top}
#detail td.k{color:var(--mut);width:30%;white-space:nowrap}
.score{display:inline-block;margin-left:6px;padding:0 5px;border-radius:8px;background:#fef3c7;color:#92400e;font-size:11px}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
"#;

const WATERFALL_SCRIPT: &str = r#"
(function(){
var T=JSON.parse(document.getElementById('trace-data').textContent);
var spans=T.spans, total=Math.max(T.duration_s,1e-9);
function esc(s){return String(s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
function fmt(s){var us=s*1e6;if(us<1000)return us.toFixed(0)+'µs';if(us<1e6)return (us/1e3).toFixed(1)+'ms';return (us/1e6).toFixed(2)+'s';}
function val(v){return typeof v==='object'?JSON.stringify(v):String(v);}
function usd(c){if(c===null||c===undefined)return '';if(c===0)return '$0';
 var t=c.toFixed(Math.min(c>=0.01?4:Math.floor(-Math.log10(c))+3,20)).replace(/0+$/,''),f=t.split('.')[1]||'';
 if(f.length<2)t=(t.indexOf('.')<0?t+'.':t)+'00'.slice(f.length);return '$'+t;}
function score(e){return esc(e.name)+' '+(e.score===null?'':esc(val(e.score)))+(e.label?' ('+esc(e.label)+')':'');}
function glance(s){var a=s.attributes,g=[];var m=a['gen_ai.response.model']||a['gen_ai.request.model'];
 if(a['gen_ai.operation.name'])g.push(a['gen_ai.operation.name']);if(m)g.push(m);
 if(a['gen_ai.tool.name'])g.push('tool '+a['gen_ai.tool.name']);
 var i=a['gen_ai.usage.input_tokens'],o=a['gen_ai.usage.output_tokens'];
 if(i!==undefined||o!==undefined)g.push((i===undefined?'?':i)+'→'+(o===undefined?'?':o)+' tok');
 if(s.cost_usd!==null&&s.cost_usd!==undefined)g.push(usd(s.cost_usd));
 var f=a['gen_ai.response.finish_reasons'];if(f)g.push(val(f));
 if(a['http.response.status_code']!==undefined)g.push('HTTP '+a['http.response.status_code']);
 return g.join(' · ');}
var html=[];
html.push('<div class="ticks"><div class="label">span</div><div class="lane">');
for(var k=0;k<=4;k++){var x=k*25;html.push('<span class="tick" style="left:'+x+'%">'+fmt(total*k/4)+'</span>');}
html.push('</div></div>');
for(var n=0;n<spans.length;n++){var s=spans[n],a=s.attributes,op=a['gen_ai.operation.name'];
 var left=s.start_offset_s/total*100,width=s.duration_s/total*100;
 var cls='bar k-'+s.kind+(op?' op-'+esc(op):'')+(s.status==='error'?' error':'');
 html.push('<div class="row" data-index="'+n+'" data-span-id="'+s.span_id+'" data-name="'+esc(s.name)+'" data-kind="'+s.kind+'">',
  '<div class="label" style="padding-left:'+(8+s.depth*16)+'px" title="'+esc(s.name)+'"><span class="nm">'+esc(s.name)+'</span>',
  (s.kind!=='INTERNAL'?'<span class="gi">'+s.kind+'</span>':''),
  s.evaluations.map(function(e){return '<span class="score" title="gen_ai.evaluation.result">'+score(e)+'</span>';}).join(''),
  '<span class="gi">'+esc(glance(s))+'</span></div>',
  '<div class="lane"><div class="'+cls+'" data-span-id="'+s.span_id+'" title="'+esc(s.name)+' '+fmt(s.duration_s)+'" style="left:'+left.toFixed(4)+'%;width:'+width.toFixed(4)+'%"><span class="dur">'+fmt(s.duration_s)+'</span></div></div></div>');}
var wf=document.getElementById('wf');wf.innerHTML=html.join('');
var detail=document.getElementById('detail'),sel=null;
function show(n){var s=spans[n];if(sel)sel.classList.remove('selected');sel=wf.querySelector('.row[data-index="'+n+'"]');sel.classList.add('selected');
 var h=['<h2>'+esc(s.name)+' <span class="mut">'+s.kind+' · '+fmt(s.duration_s)+' · '+(s.status==='error'?'<span class="st-error">error '+esc(s.error_type||'')+': '+esc(s.status_message||'')+'</span>':'ok')+'</span></h2>'];
 h.push('<table id="attributes"><tbody><tr><td class="k">span id</td><td><code>'+s.span_id+'</code></td></tr><tr><td class="k">parent span id</td><td><code>'+(s.parent_span_id||'–')+'</code></td></tr><tr><td class="k">start</td><td>'+esc(s.start_time)+' (+'+fmt(s.start_offset_s)+')</td></tr>');
 Object.keys(s.attributes).sort().forEach(function(k){h.push('<tr class="attr"><td class="k">'+esc(k)+'</td><td>'+esc(val(s.attributes[k]))+'</td></tr>');});
 h.push('</tbody></table>');
 if(s.evaluations.length){h.push('<h2>evaluations</h2><table id="evaluations"><tbody>');
  s.evaluations.forEach(function(e){h.push('<tr><td class="k">'+esc(e.name)+'</td><td>score '+esc(e.score===null?'–':val(e.score))+(e.label?' · '+esc(e.label):'')+(e.explanation?' · '+esc(e.explanation):'')+(e.error_type?' · error '+esc(e.error_type):'')+'</td></tr>');});
  h.push('</tbody></table>');}
 if(s.events.length){h.push('<h2>events</h2><table id="events"><tbody>');
  s.events.forEach(function(e){var at=Object.keys(e.attributes).map(function(k){return esc(k)+'='+esc(val(e.attributes[k]));}).join(' ');
   h.push('<tr><td class="k">+'+fmt(e.offset_s)+' '+e.level+'</td><td>'+esc(e.message)+' <span class="mut">'+at+'</span></td></tr>');});
  h.push('</tbody></table>');}
 detail.innerHTML=h.join('');detail.style.display='block';}
wf.addEventListener('click',function(ev){var r=ev.target.closest('.row');if(r)show(+r.getAttribute('data-index'));});
})();
"#;

/// The waterfall page of one trace; `trace` is [`telemetry_recorder::json::trace_json`]'s.
pub(crate) fn waterfall(trace: &Value) -> String {
    let data = trace.to_string().replace("</", "<\\/");
    let status = trace["status"].as_str().unwrap_or("ok");
    let tokens = trace["total_tokens"].as_u64().unwrap_or(0);
    let cost = trace["cost_usd"]
        .as_f64()
        .map(|c| format!(" · <span id=\"trace-cost\">{}</span>", format_usd(c)))
        .unwrap_or_default();
    let scores = match trace["evaluations"].as_u64().unwrap_or(0) {
        0 => String::new(),
        1 => " · 1 score".to_owned(),
        n => format!(" · {n} scores"),
    };
    let body = format!(
        "<div id=\"summary\"><b>{}</b><span class=\"mut\">trace <code>{}</code> · {} · {} spans · \
         <span class=\"st-{status}\">{status}</span>{}{cost}{scores}</span></div>\
         <div class=\"legend mut\"><span><i style=\"background:var(--srv)\"></i>SERVER</span>\
         <span><i style=\"background:var(--cli)\"></i>CLIENT</span><span><i style=\"background:var(--agent)\"></i>invoke_agent</span>\
         <span><i style=\"background:var(--chat)\"></i>chat</span><span><i style=\"background:var(--tool)\"></i>execute_tool</span>\
         <span><i style=\"background:var(--int)\"></i>internal</span><span><i style=\"background:var(--err)\"></i>error</span></div>\
         <div id=\"wf\"></div><div id=\"detail\"></div>\
         <style>{WATERFALL_STYLE}</style>\
         <script type=\"application/json\" id=\"trace-data\">{data}</script><script>{WATERFALL_SCRIPT}</script>",
        escape(trace["root_name"].as_str().unwrap_or("")),
        escape(trace["trace_id"].as_str().unwrap_or("")),
        format_duration(std::time::Duration::from_secs_f64(
            trace["duration_s"].as_f64().unwrap_or(0.0)
        )),
        trace["span_count"],
        if tokens > 0 {
            format!(" · {tokens} tokens")
        } else {
            String::new()
        },
    );
    shell(
        &format!("Trace {}", trace["root_name"].as_str().unwrap_or("")),
        &body,
    )
}

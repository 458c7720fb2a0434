<?php
// A search-results page for a web site, backed by cglu-searchd.
// One connection per PHP worker, kept across requests (pfsockopen), with a
// timeout; the daemon's snippets are already HTML-escaped with <mark>.
const CGLU_TIMEOUT = 2.0;
// The daemon's address: CGLU_SEARCHD=HOST:PORT in the environment, or the
// default 127.0.0.1:7878.
[$cglu_host, $cglu_port] = explode(':', getenv('CGLU_SEARCHD') ?: '127.0.0.1:7878');
define('CGLU_HOST', $cglu_host);
define('CGLU_PORT', (int)$cglu_port);

function cglu_request(string $line): ?array {
    for ($attempt = 1; $attempt <= 2; $attempt++) {
        $fp = @pfsockopen(CGLU_HOST, CGLU_PORT, $errno, $errstr, CGLU_TIMEOUT);
        if (!$fp) {
            return null;
        }
        stream_set_timeout($fp, (int)CGLU_TIMEOUT, (int)((CGLU_TIMEOUT - (int)CGLU_TIMEOUT) * 1e6));
        $line = str_replace(["\r", "\n"], ' ', $line) . "\n";
        if (fwrite($fp, $line) === strlen($line)) {
            $answer = fgets($fp);
            if ($answer !== false) {
                return json_decode($answer, true);
            }
        }
        fclose($fp); // broken kept connection: reconnect once
    }
    return null;
}

// The visitor's text is only ever the query: "--" ends the request's
// options (so "limit=5 x" typed in the box is searched for, not read as an
// option), and CR, LF and NUL become spaces (a newline would end the line
// and start another request).
function cglu_search(string $query, int $limit = 10): ?array {
    $query = str_replace(["\r", "\n", "\0"], ' ', $query);
    return cglu_request("SEARCH limit=$limit -- $query");
}

$q = $_GET['q'] ?? '';
$q = is_string($q) ? trim($q) : ''; // ?q[]=x makes an array
header('Content-Type: text/html; charset=utf-8');
echo '<!doctype html><title>Recherche</title><form><input name="q" value="',
     htmlspecialchars($q), '"><button>Chercher</button></form>';
if ($q !== '') {
    $r = cglu_search($q);
    if ($r === null) {
        http_response_code(503);
        echo '<p>Le moteur de recherche ne répond pas.</p>';
    } elseif (!$r['ok']) {
        echo '<p>La recherche a échoué : ', htmlspecialchars($r['message']), '</p>';
    } else {
        if (isset($r['suggestion'])) {
            echo '<p>Essayez : <a href="?q=', urlencode($r['suggestion']), '">',
                 htmlspecialchars($r['suggestion']), '</a></p>';
        }
        echo '<p>', (int)$r['total'], ' résultat(s)</p><ol>';
        foreach ($r['hits'] as $hit) {
            echo '<li><a href="', htmlspecialchars($hit['url']), '">',
                 htmlspecialchars($hit['title']), '</a><p>', $hit['snippet'], '</p></li>';
        }
        echo '</ol>';
    }
}

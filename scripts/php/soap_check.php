<?php
// An independent SOAP client against a running UWLR endpoint: PHP's SoapClient
// (Debian php-cli + php-soap), as a PHP integrator would use it.
//
// Why: our WSDL and answers must bind in the toolkits integrators use, not only in the
// one we test with. SoapClient reads the WSDL from ?wsdl (with every ?xsd= import), builds
// the requests and maps each answer onto PHP objects; this script compares those objects
// with the data, shape by shape:
//   1. the WSDLs load and name all five operations;
//   2. HaalLeerlinggegevens (the mock's own school): --pupils pupils (Debian's php-cli
//      has no XML parser besides SoapClient, so the wire is compared in the zeep and node
//      checks; the generated_school case compares a whole generated school here);
//   3. every case of --cases (each answer file `uwlr mock-las --answer` serves by
//      gegevenssetid): the typed answer holds exactly the file's data, or the file's
//      fault comes back as a SoapFault;
//   4. BrengLeerresultaten for a pupil of 2: an empty leerresultaten_bevestiging;
//   5. a wrong key: SoapFault Client.AutorisatieOngeldig.
// SOAP_SINGLE_ELEMENT_ARRAYS makes every repeatable element an array, as a PHP
// integrator should; an empty element (geengegevens) binds to an empty object, so the
// two empty answers are told apart by their property name.
//
// Usage: php scripts/php/soap_check.php --url URL --results-url URL --key KEY
//   --klantcode BOOM --klantnaam "Boom testcentrum" --brin 99DE --schooljaar 2025-2026
//   --pupils 200 --cases target/interop/cases.json
// Ends with "N passed, M failed"; exits 1 when anything failed.

const NS_AU = 'http://www.edustandaard.nl/leerresultaten/2/autorisatie';

$passed = 0;
$failed = 0;

function check(bool $ok, string $what, string $why = ''): bool
{
    global $passed, $failed;
    $ok ? $passed++ : $failed++;
    echo ($ok ? 'PASS' : 'FAIL') . "  $what" . ($why !== '' ? ": $why" : '') . "\n";
    return $ok;
}

function summary(): int
{
    global $passed, $failed;
    echo "$passed passed, $failed failed\n";
    return $failed ? 1 : 0;
}

// The same normal form of xs:dateTime text as interop_cases.norm_value.
function norm_value(string $v): string
{
    if (!preg_match('/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/', $v, $m)) {
        return $v;
    }
    $frac = rtrim(substr($m[2] ?? '', 0, 7), '0');
    if ($frac === '.') {
        $frac = '';
    }
    $zone = $m[3] ?? '';
    return $m[1] . $frac . ($zone === 'Z' ? '+00:00' : $zone);
}

// SoapClient's typed answer in the client-neutral leaf form: attributes and elements are
// both properties; arrays are repeated elements; an empty object is an empty element.
function leaves($value, string $path, array &$out): void
{
    if (is_object($value)) {
        $props = get_object_vars($value);
        if (!$props) {
            $out[] = [$path, ''];
            return;
        }
        foreach ($props as $name => $v) {
            if ($name === '_') { // simple content beside attributes
                $out[] = [$path, norm_value((string) $v)];
                continue;
            }
            $items = is_array($v) ? $v : [$v];
            foreach (array_values($items) as $i => $item) {
                leaves($item, ($path === '' ? '' : "$path/") . "{$name}[$i]", $out);
            }
        }
    } elseif ($value === null) {
        return;
    } elseif (is_bool($value)) {
        $out[] = [$path, $value ? 'true' : 'false'];
    } else {
        $out[] = [$path, norm_value((string) $value)];
    }
}

function compare(array $expected, array $got): string
{
    $key = fn ($l) => $l[0] . "\t" . $l[1];
    $e = array_map($key, $expected);
    $g = array_map($key, $got);
    sort($e);
    sort($g);
    if ($e === $g) {
        return '';
    }
    $missing = array_slice(array_values(array_diff($e, $g)), 0, 3);
    $extra = array_slice(array_values(array_diff($g, $e)), 0, 3);
    return count($e) . ' leaves expected, ' . count($g) . ' bound; missing ' . json_encode($missing)
        . '; unexpected ' . json_encode($extra);
}

function fault_code(SoapFault $f): string
{
    $parts = explode(':', (string) $f->faultcode);
    return end($parts);
}

$o = getopt('', ['url:', 'results-url:', 'key:', 'klantcode:', 'klantnaam:', 'brin:', 'dependance:',
    'schooljaar:', 'pupils:', 'cases:']);
foreach (['url', 'results-url', 'key', 'klantcode', 'klantnaam', 'brin', 'schooljaar', 'pupils'] as $need) {
    if (!isset($o[$need])) {
        fwrite(STDERR, "soap_check.php: --$need is required\n");
        exit(2);
    }
}
$dep = $o['dependance'] ?? '00';
ini_set('default_socket_timeout', '20');
$options = ['trace' => 1, 'exceptions' => true, 'cache_wsdl' => WSDL_CACHE_NONE,
    'features' => SOAP_SINGLE_ELEMENT_ARRAYS, 'connection_timeout' => 10];

try {
    $ll = new SoapClient($o['url'] . '?wsdl', $options);
    $lr = new SoapClient($o['results-url'] . '?wsdl', $options);
} catch (Throwable $e) {
    check(false, 'the WSDLs load in SoapClient with all their imports', $e->getMessage());
    exit(summary());
}
$ops = [];
foreach (array_merge($ll->__getFunctions(), $lr->__getFunctions()) as $f) {
    if (preg_match('/ (\w+)\(/', $f, $m)) {
        $ops[] = $m[1];
    }
}
$want = ['HaalLeerlinggegevens', 'HaalStructuur', 'HaalLeerlingen', 'HaalLeerkrachten', 'BrengLeerresultaten'];
check(!array_diff($want, $ops), 'the WSDLs name all five operations', implode(',', $ops));

$header = fn (string $key) => new SoapHeader(NS_AU, 'autorisatie',
    ['autorisatiesleutel' => $key, 'klantcode' => $o['klantcode'], 'klantnaam' => $o['klantnaam']]);
$ll->__setSoapHeaders([$header($o['key'])]);
$lr->__setSoapHeaders([$header($o['key'])]);
$request = ['schooljaar' => $o['schooljaar'], 'brincode' => $o['brin'], 'dependancecode' => $dep, 'xsdversie' => '2.3'];

// 2. The mock's own school.
$pupil = null;
try {
    $r = $ll->HaalLeerlinggegevens($request);
    $pupils = $r->leerlinggegevens->leerlingen->leerling ?? [];
    check(count($pupils) === (int) $o['pupils'], 'SoapClient binds the answer to PHP objects',
        count($pupils) . " pupils (the mock has {$o['pupils']})");
    $pupil = $pupils[0] ?? null;
} catch (Throwable $e) {
    check(false, 'SoapClient binds the answer to PHP objects', $e->getMessage());
}

// 3. Every answer shape of the fixtures.
$cases = isset($o['cases']) ? json_decode(file_get_contents($o['cases']), true) : [];
foreach ($cases as $case) {
    $what = "{$case['operation']} {$case['name']}";
    $args = $request + ['gegevenssetid' => $case['name']];
    if ($case['groepen']) {
        // gegevenssetid comes before groepen in the request.
        $args['groepen'] = ['groep' => array_map(fn ($k) => ['key' => $k], $case['groepen'])];
    }
    try {
        $r = $ll->__soapCall($case['operation'], [$args]);
    } catch (SoapFault $f) {
        $want = $case['expect']['fault'] ?? null;
        check($want === fault_code($f), "$what: SoapFault", fault_code($f) . ' (expected ' . ($want ?? 'an answer') . ')');
        continue;
    } catch (Throwable $e) {
        check(false, "$what: SoapClient binds the answer", $e->getMessage());
        continue;
    }
    if (isset($case['expect']['fault'])) {
        check(false, "$what: SoapFault", "no fault, expected {$case['expect']['fault']}");
        continue;
    }
    $got = [];
    leaves($r, '', $got);
    $diff = compare($case['expect']['leaves'], $got);
    check($diff === '', "$what: SoapClient's typed answer holds the file's data", $diff ?: count($got) . ' values');
}

// 4. Results for a pupil of the school.
if ($pupil !== null) {
    $afname = ['resultaten' => ['resultaat' => [['key' => 'php-' . ($pupil->key ?? 'x') . '-1',
        'afnamedatum' => '2026-01-20', 'toetscode' => 'PHP-T1', 'score' => 17]]]];
    // SoapClient writes the elements in the schema's order, whatever the array's order.
    if (isset($pupil->key)) {
        $afname['leerlingid'] = $pupil->key;
    }
    if (isset($pupil->eckid)) {
        $afname['eckid'] = $pupil->eckid;
    }
    $verzoek = [
        'school' => ['schooljaar' => $o['schooljaar'], 'brincode' => $o['brin'], 'dependancecode' => $dep,
            'aanmaakdatum' => '2026-02-01T03:00:00Z', 'xsdversie' => '2.3'],
        'toetsafnames' => ['toetsafname' => [$afname]],
        'toetsen' => ['toets' => [['toetscode' => ['_' => 'PHP-T1'], 'toetsnaam' => 'php']]],
    ];
    try {
        $r = $lr->BrengLeerresultaten($verzoek);
        $body = $lr->__getLastResponse();
        check(str_contains($body, 'leerresultaten_bevestiging'), 'BrengLeerresultaten is confirmed',
            'typed ' . json_encode($r));
    } catch (Throwable $e) {
        check(false, 'BrengLeerresultaten is confirmed', $e->getMessage() . ' ' . $lr->__getLastRequest());
    }
} else {
    check(false, 'BrengLeerresultaten is confirmed', 'no pupil to send a result for');
}

// 5. A wrong key.
$ll->__setSoapHeaders([$header($o['key'] . '-wrong')]);
try {
    $ll->HaalLeerlinggegevens($request);
    check(false, 'a wrong key is refused', 'no fault came back');
} catch (SoapFault $f) {
    check(fault_code($f) === 'Client.AutorisatieOngeldig', 'a wrong key is refused with Client.AutorisatieOngeldig',
        (string) $f->faultcode);
}
exit(summary());

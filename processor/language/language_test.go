package language_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/language"
)

// One detector for the whole test binary: building it loads the models.
var shared = sync.OnceValues(func() (*language.Processor, error) {
	return language.New(language.Options{})
})

func detector(t testing.TB) *language.Processor {
	t.Helper()
	p, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestModelMemory logs the heap taken by the default detector's models
// (run with -v to see it). It is the first test so that it loads them.
func TestModelMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := detector(t)
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("detector heap (0 if already loaded): %.1f MB", float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20))
	if got := p.Detect("The quick brown fox jumps over the lazy dog near the river bank.", ""); got.Code != "en" {
		t.Fatalf("Detect = %+v", got)
	}
}

func TestDetect(t *testing.T) {
	p := detector(t)
	tests := []struct {
		name, text, hint, want string
	}{
		{"english", "The city library will reopen next week after two years of repairs to its roof and heating system.", "", "en"},
		{"french", "La bibliothèque municipale rouvrira la semaine prochaine après deux ans de travaux sur son toit et son chauffage.", "", "fr"},
		{"german", "Die Stadtbibliothek wird nächste Woche nach zwei Jahren Reparaturarbeiten an Dach und Heizung wieder geöffnet.", "", "de"},
		{"spanish", "La biblioteca municipal volverá a abrir la próxima semana después de dos años de obras en el techo y la calefacción.", "", "es"},
		{"italian", "La biblioteca comunale riaprirà la prossima settimana dopo due anni di lavori al tetto e al riscaldamento.", "", "it"},
		{"russian", "Городская библиотека снова откроется на следующей неделе после двух лет ремонта крыши и отопления.", "", "ru"},
		{"too short", "Paris", "", "und"},
		{"too short with hint", "Paris", "fr-FR", "fr"},
		{"hint not configured", "Paris", "xx", "und"},
		{"empty", "", "", "und"},
		{"digits only", "12345 67890 12345 67890 2018-05-28", "", "und"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Detect(tt.text, tt.hint)
			if got.Code != tt.want {
				t.Fatalf("Detect(%q) = %+v, want %s", tt.text, got, tt.want)
			}
			if got.Confidence < 0 || got.Confidence > 1 {
				t.Fatalf("confidence %v out of [0,1]", got.Confidence)
			}
			if tt.want != "und" && tt.hint == "" && got.Confidence < 0.3 {
				t.Errorf("confidence %v unexpectedly low for %s", got.Confidence, tt.want)
			}
		})
	}
}

func TestProcessFallsBackToBody(t *testing.T) {
	p := detector(t)
	a := &processor.Article{Body: "Le gouvernement a annoncé mardi une nouvelle série de mesures pour soutenir les entreprises."}
	if _, err := p.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if a.Language == nil || a.Language.Code != "fr" || a.IsEnglish() {
		t.Fatalf("Language = %+v", a.Language)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    language.Options
		wantErr bool
	}{
		{"unknown code", language.Options{Languages: []string{"en", "zz"}}, true},
		{"one language", language.Options{Languages: []string{"en"}}, true},
		{"duplicate collapses to one", language.Options{Languages: []string{"en", "EN"}}, true},
		{"negative prefix", language.Options{PrefixBytes: -1}, true},
		{"norwegian alias", language.Options{Languages: []string{"en", "no"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := language.New(tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%+v) error = %v, wantErr %v", tt.opts, err, tt.wantErr)
			}
		})
	}
}

func loadBodies(tb testing.TB) []string { return shareddata.WikinewsBodies(tb) }

// TestWikinewsEnglish: every English Wikinews article is detected as English.
func TestWikinewsEnglish(t *testing.T) {
	p := detector(t)
	for i, body := range loadBodies(t) {
		if got := p.Detect(body, ""); got.Code != "en" {
			t.Errorf("article %d: %+v, want en", i, got)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	var bodies []string // 2–5 KB articles
	for _, s := range loadBodies(b) {
		if len(s) >= 2000 && len(s) <= 5000 {
			bodies = append(bodies, s)
		}
	}
	if len(bodies) == 0 {
		b.Skip("no 2-5 KB articles")
	}
	p := detector(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a := &processor.Article{Text: bodies[i%len(bodies)]}
		if _, err := p.Process(b.Context(), a); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFastPathAgreesWithLingua: the function-word fast path and lingua give
// the same answer on running news text in the fast-path languages.
func TestFastPathAgreesWithLingua(t *testing.T) {
	fast := detector(t)
	slow, err := language.New(language.Options{NoFastPath: true})
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{
		"en": "The government said on Tuesday that it would introduce new measures to support small businesses, which have been hit hard by the rise in energy prices. The minister told reporters that the plan was not yet final and that it would be discussed with unions and employers over the coming weeks.",
		"fr": "Le gouvernement a annoncé mardi qu'il allait présenter de nouvelles mesures pour soutenir les petites entreprises, qui ont été durement touchées par la hausse des prix de l'énergie. Le ministre a déclaré aux journalistes que le plan n'était pas encore définitif et qu'il serait discuté avec les syndicats dans les semaines à venir.",
		"de": "Die Regierung hat am Dienstag angekündigt, dass sie neue Maßnahmen zur Unterstützung kleiner Unternehmen einführen wird, die von dem Anstieg der Energiepreise hart getroffen wurden. Der Minister sagte den Journalisten, dass der Plan noch nicht endgültig sei und in den kommenden Wochen mit den Gewerkschaften besprochen werde.",
		"es": "El gobierno anunció el martes que introducirá nuevas medidas para apoyar a las pequeñas empresas, que han sido muy afectadas por el aumento de los precios de la energía. El ministro dijo a los periodistas que el plan aún no es definitivo y que será discutido con los sindicatos en las próximas semanas.",
		"it": "Il governo ha annunciato martedì che introdurrà nuove misure per sostenere le piccole imprese, che sono state duramente colpite dall'aumento dei prezzi dell'energia. Il ministro ha detto ai giornalisti che il piano non è ancora definitivo e che sarà discusso con i sindacati nelle prossime settimane.",
		"pt": "O governo anunciou na terça-feira que vai introduzir novas medidas para apoiar as pequenas empresas, que foram duramente atingidas pelo aumento dos preços da energia. O ministro disse aos jornalistas que o plano ainda não é definitivo e que será discutido com os sindicatos nas próximas semanas.",
		"sv": "Regeringen meddelade på tisdagen att den kommer att införa nya åtgärder för att stödja små företag, som har drabbats hårt av de stigande energipriserna. Ministern sade till journalister att planen ännu inte är slutgiltig och att den skulle diskuteras med fackföreningarna och arbetsgivarna under de kommande veckorna, eftersom det också finns kritik från oppositionen.",
		"pl": "Rząd ogłosił we wtorek, że wprowadzi nowe środki wsparcia dla małych firm, które zostały mocno dotknięte wzrostem cen energii. Minister powiedział dziennikarzom, że plan nie jest jeszcze ostateczny i że będzie omawiany ze związkami zawodowymi w nadchodzących tygodniach, ponieważ przez opozycję jest on już krytykowany.",
		"cs": "Vláda v úterý oznámila, že zavede nová opatření na podporu malých firem, které byly tvrdě zasaženy růstem cen energie. Ministr novinářům řekl, že plán ještě není konečný a že bude v příštích týdnech projednán s odbory, protože je také kritizován opozicí, která požaduje více peněz pro domácnosti.",
		"ro": "Guvernul a anunțat marți că va introduce noi măsuri pentru a sprijini firmele mici, care au fost grav afectate de creșterea prețurilor la energie. Ministrul a declarat jurnaliștilor că planul nu este încă definitiv și că va fi discutat cu sindicatele în săptămânile următoare, pentru că mai sunt critici din partea opoziției.",
		"tr": "Hükümet salı günü, enerji fiyatlarındaki artıştan çok etkilenen küçük işletmeleri desteklemek için yeni önlemler getireceğini açıkladı. Bakan gazetecilere planın henüz kesin olmadığını ve önümüzdeki haftalarda sendikalarla görüşüleceğini söyledi, ancak muhalefet bu planı yeterli bulmuyor ve daha fazla destek için çağrı yapıyor.",
		"hu": "A kormány kedden bejelentette, hogy új intézkedéseket vezet be a kisvállalkozások támogatására, amelyeket súlyosan érintett az energiaárak emelkedése. A miniszter az újságíróknak azt mondta, hogy a terv még nem végleges, és a következő hetekben meg kell vitatni a szakszervezetekkel, mert az ellenzék is bírálja, és csak ez után lesz döntés.",
		"fi": "Hallitus ilmoitti tiistaina, että se ottaa käyttöön uusia toimia pienten yritysten tukemiseksi, sillä ne ovat kärsineet pahasti energian hintojen noususta. Ministeri kertoi toimittajille, että suunnitelma ei ole vielä lopullinen ja että sitä käsitellään ammattiliittojen kanssa tulevina viikkoina, mutta oppositio on myös arvostellut sitä.",
		"ru": "Правительство во вторник объявило, что введёт новые меры поддержки малого бизнеса, который сильно пострадал от роста цен на энергию. Министр сказал журналистам, что план ещё не окончательный и что его обсудят с профсоюзами в ближайшие недели, но оппозиция уже критикует его, так как он не помогает семьям.",
		"uk": "Уряд у вівторок оголосив, що запровадить нові заходи підтримки малого бізнесу, який сильно постраждав від зростання цін на енергію. Міністр сказав журналістам, що план ще не остаточний і що його обговорять із профспілками найближчими тижнями, але опозиція вже критикує його, бо він не допомагає родинам.",
		"nl": "De regering heeft dinsdag aangekondigd dat zij nieuwe maatregelen zal invoeren om kleine bedrijven te steunen, die zwaar zijn getroffen door de stijging van de energieprijzen. De minister zei tegen journalisten dat het plan nog niet definitief is en dat het de komende weken met de vakbonden zal worden besproken.",
	}
	for want, text := range texts {
		t.Run(want, func(t *testing.T) {
			if code, ok := language.FastDetect(fast, text); !ok || code != want {
				t.Fatalf("fast path = %q, %v; want %s decided", code, ok, want)
			}
			f, s := fast.Detect(text, ""), slow.Detect(text, "")
			if f.Code != want || s.Code != want {
				t.Fatalf("fast = %+v, lingua = %+v, want %s", f, s, want)
			}
			if f.Confidence < 0.5 {
				t.Errorf("fast confidence %v < 0.5", f.Confidence)
			}
		})
	}
}

// BenchmarkLinguaPath measures the lingua fallback alone (no fast path),
// the cost for text the fast path cannot decide.
func BenchmarkLinguaPath(b *testing.B) {
	var bodies []string
	for _, s := range loadBodies(b) {
		if len(s) >= 2000 && len(s) <= 5000 {
			bodies = append(bodies, s)
		}
	}
	if len(bodies) == 0 {
		b.Skip("no 2-5 KB articles")
	}
	p, err := language.New(language.Options{NoFastPath: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p.Detect(bodies[i%len(bodies)], "")
	}
}

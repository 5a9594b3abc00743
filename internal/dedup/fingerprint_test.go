package dedup_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/dedup"
)

func newFP(t testing.TB, cfg dedup.Config) *dedup.Fingerprinter {
	t.Helper()
	fp, err := dedup.NewFingerprinter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func mustFingerprint(t testing.TB, fp *dedup.Fingerprinter, text string) dedup.Signature {
	t.Helper()
	sig, ok := fp.Fingerprint(text)
	if !ok {
		t.Fatalf("Fingerprint(%.40q…): too short", text)
	}
	return sig
}

// pseudoText returns n words of made-up language: random syllables, so
// that two texts from different seeds share (almost) no bigram.
func pseudoText(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 99))
	syll := []string{"ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "da", "gu", "zo", "be", "fi", "ha", "ju"}
	words := make([]string, n)
	for i := range words {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		words[i] = b.String()
		if rng.IntN(12) == 0 {
			words[i] += "."
		}
	}
	return strings.Join(words, " ")
}

// editWords replaces share of the words of text with new made-up words.
func editWords(text string, share float64, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 5))
	w := strings.Fields(text)
	for _, i := range rng.Perm(len(w))[:int(share*float64(len(w)))] {
		w[i] = "xq" + strings.Repeat("z", 1+rng.IntN(6)) + "w"
	}
	return strings.Join(w, " ")
}

const sampleText = `Firefighters in Paris rescued a four-year-old boy who was hanging from the
balcony of a fourth-floor flat on Saturday evening, after a man climbed the
front of the building to reach him. The man, a 22-year-old from Mali, pulled
the child to safety in about thirty seconds as a crowd watched from the street.

The mayor of Paris thanked him on Sunday, and the president invited him to
the Elysee Palace on Monday to congratulate him in person.`

// TestSignatureGolden pins the signature of a fixed text. Signatures are
// persisted in the changelog and compared across processes and releases:
// if this test fails, the signature scheme changed and entryVersion must
// be bumped (and this golden value updated).
func TestSignatureGolden(t *testing.T) {
	const golden = "852afbf2aab05a28f32611041ba265dda22182877e7590b6e11be54720e7d1bc85745096ff37d7a2626d1ac37bc8e4d8"
	sig := mustFingerprint(t, newFP(t, dedup.Config{}), sampleText)
	if got := sig.String(); got != golden {
		t.Errorf("signature of sampleText =\n%s\nwant\n%s", got, golden)
	}
}

func TestFingerprintIdenticalAndNormalised(t *testing.T) {
	fp := newFP(t, dedup.Config{})
	base := mustFingerprint(t, fp, sampleText)
	for _, text := range []string{
		sampleText,
		strings.ToUpper(sampleText),
		strings.Join(strings.Fields(sampleText), " "), // white space and paragraphs
		strings.NewReplacer(",", " ;", ".", " !", "-", " ").Replace(sampleText),
	} {
		sig := mustFingerprint(t, fp, text)
		if sig != base {
			t.Errorf("signature of %.50q… differs from the original's", text)
		}
		if s := dedup.Similarity(sig, base); s != 1 {
			t.Errorf("Similarity = %v, want 1", s)
		}
	}
	// Apostrophes inside words are dropped, straight or curly.
	a := mustFingerprint(t, fp, strings.Repeat("don't stop the presses it's news ", 5))
	b := mustFingerprint(t, fp, strings.Repeat("Don’t stop the presses, its news. ", 5))
	if a != b {
		t.Error("apostrophes: signatures differ")
	}
}

func TestSimilarityOfEdits(t *testing.T) {
	fp := newFP(t, dedup.Config{})
	text := pseudoText(1, 600)
	orig := mustFingerprint(t, fp, text)
	prev := 1.0
	for _, share := range []float64{0.02, 0.05, 0.10, 0.30, 0.60} {
		s := dedup.Similarity(orig, mustFingerprint(t, fp, editWords(text, share, 7)))
		t.Logf("%.0f%% of the words replaced: similarity %.3f", 100*share, s)
		if s > prev+0.05 {
			t.Errorf("%.0f%% replaced: similarity %.3f, above %.3f for fewer edits", 100*share, s, prev)
		}
		prev = s
		if share <= 0.05 && s < 0.7 {
			t.Errorf("%.0f%% replaced: similarity %.3f, want ≥ 0.7", 100*share, s)
		}
		if share >= 0.6 && s > 0.3 {
			t.Errorf("%.0f%% replaced: similarity %.3f, want ≤ 0.3", 100*share, s)
		}
	}
}

func TestSimilarityOfUnrelated(t *testing.T) {
	fp := newFP(t, dedup.Config{})
	sum := 0.0
	const n = 40
	for i := range n {
		a := mustFingerprint(t, fp, pseudoText(uint64(100+2*i), 400))
		b := mustFingerprint(t, fp, pseudoText(uint64(101+2*i), 400))
		s := dedup.Similarity(a, b)
		if s > 0.15 {
			t.Errorf("unrelated pair %d: similarity %.3f, want ≈ 0", i, s)
		}
		if s != dedup.Similarity(b, a) {
			t.Errorf("Similarity not symmetric")
		}
		sum += s
	}
	if mean := sum / n; mean > 0.05 {
		t.Errorf("mean similarity of unrelated texts %.3f, want ≈ 0", mean)
	}
}

func TestFingerprintTooShort(t *testing.T) {
	words := func(n int) string { return strings.TrimSpace(strings.Repeat("word ", n)) }
	tests := []struct {
		name string
		cfg  dedup.Config
		text string
		ok   bool
	}{
		{"empty", dedup.Config{}, "", false},
		{"punctuation only", dedup.Config{}, strings.Repeat("-- !! ", 100), false},
		{"default minimum minus one", dedup.Config{}, words(dedup.DefaultMinTokens - 1), false},
		{"default minimum", dedup.Config{}, words(dedup.DefaultMinTokens), true},
		{"custom minimum", dedup.Config{MinTokens: 3}, "three little words", true},
		{"custom minimum minus one", dedup.Config{MinTokens: 3}, "two words", false},
		// 25 Han characters make 24 bigram tokens; 26 make 25.
		{"CJK 25 characters", dedup.Config{}, strings.Repeat("中", 25), false},
		{"CJK 26 characters", dedup.Config{}, strings.Repeat("中", 26), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, ok := newFP(t, tt.cfg).Fingerprint(tt.text)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok && sig != (dedup.Signature{}) {
				t.Error("a text too short has a non-zero signature")
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, n := range []int{-1, 1, 2} {
		if _, err := dedup.NewFingerprinter(dedup.Config{MinTokens: n}); err == nil {
			t.Errorf("MinTokens %d accepted", n)
		}
	}
	for _, n := range []int{0, 3, 100} {
		if err := (dedup.Config{MinTokens: n}).Validate(); err != nil {
			t.Errorf("MinTokens %d: %v", n, err)
		}
	}
}

// Scripts without spaces are shingled by characters: a copy with a few
// characters changed stays similar, another text does not.
func TestFingerprintUnspacedScripts(t *testing.T) {
	fp := newFP(t, dedup.Config{})
	tests := []struct{ name, text, edited, other string }{
		{
			"Chinese",
			"北京时间周六晚上，巴黎消防员救下了一名悬挂在四楼阳台外的四岁男孩。一名来自马里的二十二岁男子徒手爬上大楼外墙，在大约三十秒内把孩子拉回安全的地方，街上的人群目睹了整个过程。巴黎市长周日向他表示感谢，总统邀请他周一到爱丽舍宫当面祝贺。",
			"北京时间周六晚间，巴黎消防员救下了一名悬挂在四楼阳台外的四岁男孩。一名来自马里的二十二岁男子徒手爬上大楼外墙，在大约三十秒内把孩子拉回安全地带，街上的人群目睹了整个过程。巴黎市长周日向他表示感谢，总统邀请他周一到爱丽舍宫当面祝贺。",
			"中国国家统计局周三公布的数据显示，今年第一季度国内生产总值同比增长百分之五点三，高于市场预期。消费和出口的回升是主要原因，但房地产投资继续下滑，地方政府债务压力依然较大，经济学家认为全年目标仍面临挑战。",
		},
		{
			"Japanese",
			"パリの消防によると、土曜日の夜、四階のバルコニーからぶら下がっていた四歳の男の子が救助された。マリ出身の二十二歳の男性が建物の外壁をよじ登り、約三十秒で子どもを安全な場所に引き上げた。",
			"パリの消防によると、土曜日の夜、四階のベランダからぶら下がっていた四歳の男の子が救助された。マリ出身の二十二歳の男性が建物の外壁をよじ登り、約三十秒で子どもを安全な場所に引き上げた。",
			"東京証券取引所で水曜日、日経平均株価は三日続落し、前日比で四百円あまり下落した。円高が進んだことで輸出関連株が売られ、半導体関連の銘柄にも利益確定の売りが広がった。",
		},
		{
			"Thai",
			"เจ้าหน้าที่ดับเพลิงในกรุงปารีสช่วยเหลือเด็กชายวัยสี่ขวบที่ห้อยอยู่กับระเบียงชั้นสี่ของอาคารเมื่อคืนวันเสาร์ ชายชาวมาลีวัยยี่สิบสองปีปีนขึ้นไปตามผนังอาคารและดึงเด็กขึ้นมาได้อย่างปลอดภัยภายในเวลาประมาณสามสิบวินาที",
			"เจ้าหน้าที่ดับเพลิงในกรุงปารีสช่วยเหลือเด็กชายอายุสี่ขวบที่ห้อยอยู่กับระเบียงชั้นสี่ของอาคารเมื่อคืนวันเสาร์ ชายชาวมาลีวัยยี่สิบสองปีปีนขึ้นไปตามผนังอาคารและดึงเด็กขึ้นมาได้อย่างปลอดภัยภายในเวลาประมาณสามสิบวินาที",
			"ธนาคารแห่งประเทศไทยประกาศคงอัตราดอกเบี้ยนโยบายไว้ที่ระดับเดิมในการประชุมวันพุธ โดยระบุว่าเศรษฐกิจยังคงฟื้นตัวอย่างค่อยเป็นค่อยไป และอัตราเงินเฟ้อยังอยู่ในกรอบเป้าหมาย",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustFingerprint(t, fp, tt.text)
			edited := dedup.Similarity(a, mustFingerprint(t, fp, tt.edited))
			other := dedup.Similarity(a, mustFingerprint(t, fp, tt.other))
			t.Logf("similarity: edited copy %.3f, other text %.3f", edited, other)
			if edited < 0.6 {
				t.Errorf("edited copy: similarity %.3f, want ≥ 0.6", edited)
			}
			if other > 0.2 {
				t.Errorf("other text: similarity %.3f, want ≈ 0", other)
			}
		})
	}
}

func TestSignatureStringRoundTrip(t *testing.T) {
	fp := newFP(t, dedup.Config{})
	for i := range 20 {
		sig := mustFingerprint(t, fp, pseudoText(uint64(i), 50))
		s := sig.String()
		if len(s) != 2*dedup.SignatureSize || strings.ToLower(s) != s {
			t.Fatalf("String() = %q: want %d lower-case hex digits", s, 2*dedup.SignatureSize)
		}
		back, err := dedup.ParseSignature(s)
		if err != nil || back != sig {
			t.Fatalf("ParseSignature(String()) = %v, %v; want the signature back", back, err)
		}
	}
	for _, bad := range []string{"", "00", strings.Repeat("0", 2*dedup.SignatureSize-1), strings.Repeat("g", 2*dedup.SignatureSize)} {
		if _, err := dedup.ParseSignature(bad); !errors.Is(err, dedup.ErrSignature) {
			t.Errorf("ParseSignature(%q): err = %v, want ErrSignature", bad, err)
		}
	}
}

func TestFingerprintDoesNotAllocate(t *testing.T) {
	fp := newFP(t, dedup.Config{})
	text := sampleText + " 北京时间周六晚上 " + sampleText
	if n := testing.AllocsPerRun(50, func() { fp.Fingerprint(text) }); n != 0 {
		t.Errorf("Fingerprint allocates %v times", n)
	}
}

package mining

import "strings"

// sqlStopWords keep the most frequent function words out of the phrases ClickHouse counts
// (and out of its bigrams), which cuts the number of distinct phrases several-fold. Phrases
// are filtered again in Go with tokenize.IsStop, so results follow package tokenize's lists;
// this list only adds languages those lists lack (nl, sv, pl, id/ms, vi) and saves work.
var sqlStopWords = strings.Fields(`
a about an and are as at be been but by can could did do does for from had has have hello hi how i
if in is it its me my no not of on or our please so that the their them there these they this to
us was we were what when where which who why will with would you your thanks thank yes
aber als am an auch auf aus bei bin bis da das dass dem den der des die du ein eine einen einer
er es für hallo hat ich ihr im in ist ja kann mein meine meinen mir mit nicht noch nur oder sie
sind so und uns von war was wie wir wo zu danke bitte
au aux avec bonjour ce ces dans de des du elle en est et il je la le les ma mais me merci mes mon
ne nous on ou pas pour que qui sa se son sur un une vos votre vous
al algo como con cual cuando del desde donde el ella en es esta este gracias hola las lo los mi
mis muy más no nos o para pero por qué se sin su sus tiene un una y ya
ao as com da de do dos ela ele em era essa esse esta este eu foi isso já mais mas meu minha na
não no o obrigado olá os ou para pela pelo por que se sem seu sua um uma
ad al alla che chi ci come con da del della di dove è ed gli grazie ha ho il io la le lo ma mi
mio non per più qui se si sono su un una
aan bij dag dan dank dat de die dit een en hallo heb het hij hoe ik in is je maar mijn met
niet nog of op te van voor wat we ze zijn
att av de den det du eller en ett för har hej hur i jag med min mitt och om på som tack till är
a ale czy dla do i jak jest mam mi mój moje na nie o od po się tak to w z za że dzień dobry
ada apa dan dengan di ini itu kami ke kok saya sudah terima kasih tidak untuk yang
anh bạn cho có của em không là một này tôi và với được ạ
`)

"""A bilingual lexicon of library words: each concept lists how Danish and English speakers say it.

Matching maps words to these concepts before ranking, so "nicked" meets "stjålet" and "lost", and a Danish text
can match an entry whose closest question is written in English. The words are the libraries' domain language,
written for bibliobot: general synonyms, never copies of the questions of any knowledge base.

One concept a line: `concept: danish words, … | english words, …`. A word may be a phrase of several words.
Words are written as people type them; they are folded and stemmed when the lexicon is compiled.
"""

from __future__ import annotations

LEXICON_TEXT = """
block: spærre, spærret, spærring, spærre kortet, lukke kortet | block, blocked, block my card, cancel card, freeze card, deactivate
card: lånekort, lånerkort, bibliotekskort, kort, lånerkortet | library card, card, membership card
healthcard: sundhedskort, sygesikringskort, sygesikringsbevis, gule kort, det gule kort, sundhedskortet, digitalt sundhedskort, sygesikringen på mobilen, sundhedskortet på mobilen | health card, healthcard, health insurance card, yellow card, medical card, cpr card, digital health card, health card app
member: oprettet, oprette, opret, oprettelse, medlem, medlemskab, indmeldelse, melde mig ind, registrere, registreret, tilmeldt biblioteket, blive låner, låner hos, aldrig lånt, ny låner, meldt ind, meldes ind, melde sig ind, melde ind, blive meldt ind | member, membership, join, register, registration, sign up, enrol, enroll, become a member, new member, become a borrower, borrower, never borrowed, new borrower, never had a card
pin: pinkode, pin, kode, koden, adgangskode, kodeord, password, firecifret, 4 cifret, fire cifre, 4 cifre, firecifrede, cifrede, cifret, cifre | pin, pin code, code, password, passcode, pincode, 4 digit code, four digit code, 4 digit, digit code, 4 digits
forgot: glemt, glemmer, glemte, husker ikke, kan ikke huske, nulstille, nulstil, ny kode | forgot, forget, forgotten, cannot remember, can not remember, dont remember, do not remember, reset, recover
lost: tabt, tabte, mistet, mistede, stjålet, stjålne, tyveri, forsvundet, bortkommet, væk, misbrug | lost, lose, stolen, nicked, theft, stole, missing, gone, misplaced, misuse, pickpocketed, robbed
wallet: pung, tegnebog, taske | wallet, purse, bag
new: ny, nyt, nye, et nyt, en ny, andet, erstatningskort | new, another, replacement, fresh
broken: ødelagt, ødelagde, knækket, knækkede, itu, i stykker, beskadiget, skadet, tygget, revet, flækket, virker ikke, driller, bøvler, crasher, crashe, går ned, fryser, problemer, fejlmelding | broken, snapped, damaged, torn, ruined, chewed, cracked, split, does not work, not working, stopped working, crash, crashes, crashing, keeps crashing, freezes, acting up, glitch, bug, problem, problems, trouble, error message, broke
change: ændre, ændring, skifte, skift, opdatere, opdater, rette, vælge en ny, ny adresse, bytte, bytte den, skifte den, nem at gætte, for nem | change, switch, update, edit, modify, alter, choose a new, pick a new, set a different, choose a different, pick a different, a different code, a different pin, swap, exchange my, easy to guess, too easy
login: logge ind, log ind, logger ind, logge på, logger på, login, logind, brugernavn, brugerkonto, konto, min side, profil | log in, logging in, sign in, signing in, login, log on, username, user name, account, my page, profile
mitid: mitid, mit id, nemid, kodeviser, kodeoplæser, kodeviseren | mitid, mit id, nemid, code display, code reader, code app
cpr: cpr, cprnummer, cpr nummer, personnummer, personnumre | cpr, cpr number, personal number, civil registration number, personal id number, social security number
foreign: udlandet, udenlandsk, udenlandske, turist, turister, flyttet til danmark, udveksling, udvekslingsstudent, besøgende, gæst | abroad, foreign, foreigner, tourist, tourists, exchange student, international student, visitor, visiting, moved to denmark, newcomer, expat, immigrant
municipality: kommune, kommunen, anden kommune, bor udenfor, frederiksberg, gladsaxe, gentofte, hvidovre, tårnby, rødovre, brøndby, herlev, ballerup, lyngby, albertslund | municipality, another municipality, outside copenhagen, live outside, frederiksberg, gladsaxe, gentofte, suburb
contact: email, e-mail, mail, mailadresse, emailadresse, telefonnummer, mobilnummer, kontaktoplysninger, oplysninger, adresse | email, e-mail, mail, email address, phone number, mobile number, contact details, contact information, details, address
notify: besked, beskeder, sms, sms er, påmindelse, påmindelser, huskesms, notifikation, notifikationer, advisering, varsel, giver besked | notification, notifications, reminder, reminders, remind, text me, message, messages, alert, alerts, notify, heads up, text message, a text, sms, texted
institution: institution, institutioner, børnehave, vuggestue, dagpleje, daginstitution, dagtilbud, fritidshjem, klub, forening, firma, virksomhed, virksomheden, forretning, kontor, kontoret, plejehjem, plejecenter, bosted, beboerne, beboere, boligforening, grundejerforening, ejerforening, andelsforening, beboerforening, foreningen, klubben | institution, daycare, day care, kindergarten, nursery, preschool, organisation, organization, club, association, firm, company, business, office, nursing home, care home, residents
school: skole, skolen, skoleklasse, klasse, klasser, lærer, lærere, elever, rundvisning, klassebesøg, min klasse, mine elever, 3. klasse, folkeskole, underviser, jeg underviser, 3 klasse, 4 klasse | school, class, classes, teacher, teachers, pupils, students, class visit, school visit, my class, tour, graders, my pupils, my students, teach, 2nd grade, 4th grade, grade
child: barn, børn, børnene, søn, datter, sønnen, datteren, knægt, pige, dreng, børneside, børnenes, lillebror, lillesøster, storebror, storesøster, barnebarn, børnebørn, vores lille, børnehjørne, børneafdeling, børneafdelingen, børnebiblioteket, børneversion, børneudgave, ungerne, unger, ungen | child, children, kid, kids, son, daughter, boy, girl, my child, little brother, little sister, grandchild, grandchildren, 10yo, 8yo, year old, my little one, little ones, toddler, childrens section, kids corner, kids section, children section, kids version, childrens version, version for kids
teen: teenager, teenagere, unge, ung, ungdom, ungdomsbøger, 14 årige, 15 årige, 13 årig, 14 årig, 15 årig, 16 årig, ungdomshjørne, ungeafdeling, ungeafdelingen | teen, teens, teenager, teenagers, young people, youth, adolescent, bored, nothing to do, hang out, 13yo, 14yo, 15yo, 16yo, 13 year old, 15 year old, 16 year old, hangout spot, hangout, gaming, corner, teen corner, teen section, teen area
baby: baby, babyer, spædbarn, spædbørn, småbørn, barsel | baby, babies, infant, infants, toddler, toddlers, parental leave
parent: forælder, forældre, mor, far, bedstemor, mormor, farmor, morfar, farfar | parent, parents, mum, mom, dad, mother, father, gran, grandma, grandmother, granny, grandpa, grandfather, grandparents
senior: ældre, pensionist, pensionister, gammel, seniorer, pensioneret, gået på pension | elderly, senior, seniors, pensioner, old, retired, retiree, pensioners
staff: personale, personalet, medarbejder, medarbejdere, ansatte, bibliotekar, bibliotekaren, bibliotekarer | staff, employee, employees, librarian, librarians, personnel
borrow: låne, låner, lånt, lånte, lån, lånet, lånene, udlån, tage med hjem, have med hjem, med hjem, har lånt nu | borrow, borrowed, borrowing, loan, loans, check out, checked out, take out, take home, lend, lending, have at home, i have at home
machine: automat, automaten, automater, udlånsautomat, udlånsautomaten, maskine, maskinen, scanne, skanne, selv scanne, selvbetjeningsautomat | machine, self service machine, self-service machine, kiosk, scanner, scan, self checkout
app: app, appen, appen biblioteket, mobil, mobilen, ipad, tablet, tabletten, kortet på mobilen, kortet på telefonen | app, the app, mobile, smartphone, ipad, tablet, carry the card, carrying the card, card on the phone
website: hjemmeside, hjemmesiden, website, bibliotek.kk.dk, online, nettet, på nettet, knap, knappen | website, web site, site, online, web, internet page, button
period: lånetid, lånetiden, låneperiode, hvor længe, hvor lang tid, antal dage, dage, uger, beholde | loan period, how long, how many days, days, weeks, keep, lending period
due: afleveringsdato, afleveringsfrist, frist, fristen, udløber, skal tilbage, skal afleveres, hvornår skal de afleveres, hvornår skal de tilbage | due, due date, deadline, expires, expiry, due back, when are they due, when they are due
renew: forny, fornye, fornyer, fornyelse, fornyelser, forlænge, forlænger, forlængelse, beholde længere, mere tid, længere tid, have den længere, have den lidt længere, beholde den længere, dage mere, beholde den mere | renew, renewing, renewal, renewals, extend, extension, keep longer, keep it longer, more time, extra time, a bit longer, a little longer, longer time, week more, weeks more, days more, another week, another few weeks
limit: grænse, grænsen, maks, maksimum, højst, loft, begrænsning, kvote, opbrugt, brugt alle, nået grænsen | limit, limits, max, maximum, cap, quota, restriction, allowed, reached, used up, run out, ran out
times: hvor mange gange, antal gange, flere gange | how many times, times, how often, several times
cannot: kan ikke, virker ikke, grå, nedtonet, fejl, kan jeg ikke, kan man ikke, kunne jeg ikke, vil ikke lade mig, lader mig ikke, hvorfor kan jeg ikke | can not, greyed out, grayed out, not possible, error, disabled, does not let me, why cant i, why can not i, cant i, can not i, wont let
return: aflevere, afleverer, aflevering, afleveret, returnere, tilbage, aflever, levere tilbage, aflevere den, aflevere den på | return, returning, returned, drop off, hand in, bring back, give back, take back, drop it off, return them, drop it at, return them at
receipt: kvittering, kvitteringen, bon, seddel, slip | receipt, slip, proof
otherbranch: andet bibliotek, et andet bibliotek, anden filial, hvilket som helst bibliotek, alle biblioteker, tættere på, tæt på, nærmeste, en anden filial, andre filialer | another library, other library, different library, other branch, another branch, any branch, whichever branch, any library, closest, nearest, near me, different branch, a different library
afterhours: lukket, lukketid, efter lukketid, udenfor åbningstid, postkasse, returkasse, afleveringskasse, bogkasse, postkassen | after hours, after closing, closing time, when closed, drop box, book drop, return box, book box, outside, returns box
late: for sent, sent, overskredet, overskride, forsinket, forsinkede, udløbet, fristen er overskredet, udløb, løb ud, er udløbet, skulle have været afleveret, var sidste frist, overtid, for længe | late, overdue, past due, behind, too late, expired, ran out, has expired, went past, was due, due yesterday, should have been returned, over time, too long
fee: gebyr, gebyrer, bøde, bøder, bøden, takst, takster, koster, pris, priser, gratis, penge, skylder, skylde, entré, entrébillet, adgang koster, skal man betale, skal jeg betale, skal vi betale | fee, fees, fine, fines, charge, charges, cost, costs, price, prices, free, how much, money, owe, owing, i owe, entrance fee, entry fee, admission, admission fee, have to pay, do i have to pay, do we have to pay, need to pay
pay: betale, betaler, betaling, betalt, faktura, regning, opkrævning, mobilepay, e-boks, eboks, indbetale | pay, paying, payment, paid, invoice, bill, settle, e-boks, mobilepay
replace: erstatning, erstatte, erstatningskrav, købe en ny | replacement, replace, compensate, compensation, buy a new one
damaged: skadet, beskadiget, våd, vand, kaffe, krøllet, ridset, ridser, ridse, hopper, springer over, tomt cover, coveret var tomt, mangler disken, mangler en disk, få skylden, skyld i, spist, min hund har, min hund har ødelagt, hunden har ødelagt | damaged, water damage, wet, stained, torn pages, scratched, scratch, scratches, skips, skipping, empty case, missing disc, disc missing, blamed, get the blame, already damaged, dog ate, the dog ate, my dog ate, eaten, dog chewed, my dog chewed, chewed up, the dog chewed
howmany: hvor mange, antal, på en gang, ad gangen, på samme tid, samtidig | how many, number of, at once, at a time, at one time, simultaneously
materials: materialer, spil, brætspil, film, musik, tegneserier, lydbøger, tidsskrifter, blade, playstation, xbox, nintendo, konsolspil, dvd, cd, noder, værktøj, ps5, ps4, videospil, computerspil | materials, games, board games, films, movies, music, comics, magazines, playstation, xbox, nintendo, video games, dvd, dvds, cds, tools, ps5, ps4, console games
book: bog, bøger, bogen, bøgerne, roman, romaner, titel, titler, materiale, lærebog, lærebøger, fagbog, fagbøger, kogebog, kogebøger, håndbog, billedbog, billedbøger | book, books, novel, novels, title, titles, item, items, textbook, textbooks, cookbook, cookbooks, guidebook, guidebooks, handbook, storybook, storybooks, workbook
list: liste, oversigt, se, overblik, se mine, se hvad, oversigt over, se hvilke, hvilke bøger jeg har, hvad jeg har lånt, hvad jeg har hjemme | list, overview, see, view, show, see all, see my, see what, list of, overview of, see which, what i have borrowed, what ive borrowed
reserve: reservere, reserverer, reservation, reservationer, reservering, reserveringer, reserveret, bestille, bestiller, bestilling, bestillinger, bestilt, bestilte, venteliste | reserve, reserved, reservation, reservations, hold, holds, request, requested, order, ordered, put a hold, waiting list, put on hold, put a book on hold, placed a hold
cancel: slette, fjerne, annullere, afbestille, fortryde, aflyse, droppe, melde fra, melder fra, framelde, frameld, melder man fra, melde mig fra, har fortrudt, fortrudt, afmelde, afmelder, afmeld, afmelding | cancel, delete, remove, get rid of, undo, withdraw, no longer need, cancel my place, cant come after all, change my mind
queue: kø, køen, kønummer, foran mig, nummer i køen, ventetid, vente, næste i køen, næste person, hvilket nummer jeg er, nummer jeg er | queue, line, in line, place in line, ahead of me, waiting time, wait, how long to wait, next in line, next person, number in line, my number in the queue, position in the queue
ready: klar, kommet, ankommet, hente, afhente, afhentning, afhentningshylde, reserveringshylde, kommet ind, er kommet ind | ready, arrived, pick up, pickup, collect, collection, pick-up, pickup shelf, come in, has come in, came in
pickupdeadline: hvor længe ligger, bliver liggende, afhentningsfrist, hentefrist, ikke hentet, liggende, ligge, hvor længe ligger den, kan den vente, vente på mig, bliver den sendt tilbage, vente til, først om en uge | how long is it kept, uncollected, not collected, pickup deadline, held for, kept for, held, kept, how long will it wait, how long do they hold it, how long will you keep it, can it wait, will it wait, keep it for me, make it in time, in time, not until next week, cant come until
pickupplace: afhentningssted, hentested, afhentningsbibliotek, hente et andet sted, skifte bibliotek, komme til et andet bibliotek, sendes til, komme til | pickup location, pickup library, pick up place, collection point, pick up at another, be sent to, come to another, sent to another
pause: pause, sætte på pause, ferie, rejse, rejser, bortrejst, udlandet i, stoppe dem, mens jeg er væk, imens jeg er væk, mens jeg er på ferie, sætte i bero, i bero | pause, freeze, suspend, holiday, vacation, travelling, traveling, away, on hold, stop my, stop them, freeze my
interlibrary: fjernlån, andre biblioteker, et andet bibliotek i, bibliotek.dk, skaffe hjem, sende den hertil, sende den herover, sendt hertil, en anden by, en anden kommune, få den hjem fra, skaffe den, skaffe bogen, skaffe, skaffer, skaffet | interlibrary loan, interlibrary, other libraries, another library in, from another library, bibliotek.dk, nationwide, send it here, sent over, another city, from another city, order it from another library, have it sent here, sent here from, get it from
shelf: hylde, hylden, hylderne, står ikke, ikke på hylden, kan ikke finde, reol, reoler, bogreol, bogreoler, ikke på reserveringshylden, den er der ikke | shelf, shelves, on the shelf, cant find, can not find, bookshelf, bookshelves, bookcase, not on the shelf, its not there
ereolen: ereolen, e-reolen, ereol | ereolen, e-reolen
ebook: e-bog, e-bøger, ebog, ebøger, lydbog, lydbøger, podcast, digitale bøger, høre lydbøger, lytte til lydbøger, lytte til bøger | ebook, ebooks, e-book, e-books, audiobook, audiobooks, audio book, audio books, digital books, podcasts, listen to audiobooks, listen to books
month: måned, måneden, månedlig, om måneden, denne måned | month, monthly, per month
filmstriben: filmstriben, streaming, streame, streamingtjeneste, se film, film derhjemme, film hjemme, film online, streame film, dokumentar, dokumentarfilm, dokumentarer | filmstriben, streaming, stream, watch films, watch movies, watch a film, watch a movie, films at home, movies online, rent a movie, documentary, documentaries, watch films at home, stream movies, watch movies at home
newspaper: avis, aviser, avisen, dagblade, pressreader, politiken, berlingske, tidsskrift | newspaper, newspapers, paper, papers, press, pressreader, news
infomedia: infomedia, artikler, artikel, avisartikler, arkiv, avisarkiv, gamle artikler, hvad avisen skrev, avisudklip | infomedia, articles, article, archive, news archive, old articles, newspaper archive, what the paper wrote
database: database, databaser, opslagsværk, opslagsværker, leksikon, ordbog, forskning, kilder | database, databases, reference works, encyclopedia, dictionary, research, sources, academic
wifi: wifi, wi-fi, trådløst, netværk, internet, internettet, komme på nettet, på nettet, net, koble på, kobler på, koble til nettet, tilslutte | wifi, wi-fi, wireless, network, internet, get online, go online, internet access, connect, connect to, get connected, your network
computer: computer, computere, pc, pcer | computer, computers, pc, pcs, public computer
print: printe, printer, print, printning, udskrive, udskrift, boardingpas, dokument, dokumenter, papirer, boardingkort, boarding kort, kontrakt, lejekontrakt, blanket, formular, underskrevet | print, printer, printing, printout, boarding pass, document, documents, papers, pdf, boarding card, contract, lease, form, signed
scan: scanne, scanning, scanner, skanne | scan, scanning, scanner
copy: kopi, kopiere, kopimaskine, fotokopi | copy, copies, photocopy, copier, copy machine
study: studere, studiepladser, læsesal, arbejdsplads, arbejdspladser, læse lektier, sidde og arbejde, stille, ro, studie, studiet, studerende, eksamen, eksamenslæsning, læse til eksamen, terminsprøve, reservere en læseplads, booke en læseplads, reservere et bord, terpe, roligt sted, rolig, stille sted | study, studying, study space, study spaces, reading room, quiet, work space, place to work, student, students, study desk, desk to study, study spot, quiet spot, exam, exams, revise, revision, studying for exams, reserve a desk, book a desk, sit and study, reserve a study desk, book a study desk, cram, cramming, quiet place
grouproom: grupperum, studierum, lokale, rum, booke et rum, projekt sammen, arbejde sammen, gruppearbejde, gruppeprojekt | group room, study room, room, book a room, work together, group work, group project, project together, work on our project
meetingroom: mødelokale, mødelokaler, møderum, leje lokale, låne lokale, leje et lokale, lokaler, generalforsamling, forening, foreningsmøde, møde | meeting room, meeting rooms, rent a room, hire a room, venue, meeting, general meeting, association meeting
maker: makerspace, 3d printer, 3d print, laserskærer, symaskine, værksted, hobby, hobbyprojekt, gør det selv, laserskæring, lasercutter | makerspace, 3d printer, laser cutter, sewing machine, workshop, maker, hobby, hobby project, diy, laser cutting, lasercutter
locker: skab, skabe, garderobe, opbevaring, boks, rygsæk, jakke, frakke, taske, tasker, låse inde, låse min | locker, lockers, cloakroom, storage, backpack, rucksack, coat, jacket, belongings, lock up, lock away, my bag, leave my bag
toilet: toilet, toiletter, wc, puslerum, pusle, pusleplads, ble, bleer, bleskift, skifte ble | toilet, toilets, restroom, bathroom, wc, loo, baby changing, changing table, diaper, nappy, nappies, change a nappy
cafe: café, cafe, kaffe, spise, mad, madpakke, drikke, sandwich, frokost, snacks, medbragt mad, spise ved | cafe, coffee, eat, food, lunch, drink, snack, sandwich, packed lunch, snacks, lunch box, bring food, eat my own
parking: parkering, parkere, p plads, cykel, cykelparkering, parkere bilen, parkere min bil, min bil | parking, park, bike, bicycle, car park, car
access: kørestol, handicap, tilgængelighed, elevator, rampe, gangbesværet, trapper, trappe, sal, etage, trappefri, handicapvenlig, handicapadgang, anden sal, 2 sal, første etage, ovenpå | wheelchair, disability, disabled, accessibility, accessible, elevator, lift, ramp, step free, stairs, upstairs, floor, step-free, no stairs, first floor, second floor
ithelp: it hjælp, it-hjælp, computerhjælp, hjælp til computer, hjælp til mobil, digital hjælp, hjælp til it, tablet, ipad, it café, it cafe, itcafé, itcafe | it help, computer help, tech help, digital help, help with computer, help with phone, tablet, ipad, it cafe, it café
digitalpost: digital post, e-boks, eboks, borger.dk, post fra det offentlige | digital post, e-boks, borger.dk, government mail, digital mail
borgerservice: borgerservice, pas, kørekort, sygesikring, flytning | citizen service, citizens service, passport, driving licence, driver license
languagecafe: sprogcafé, sprogcafe, sprogcaféer, sprogcafeer, samtalegruppe, øve dansk, tale dansk, snakke dansk, øve mig i dansk, blive bedre til dansk, tale med nogen, øve mig i at tale, snakke med rigtige mennesker, samtaletræning | language cafe, language café, conversation group, practise danish, practice danish, speak danish, practise my danish, improve my danish, talk danish, chat in danish, practise talking, practice talking, talk with people, conversation practice, speak with people, practise speaking, practice speaking
learndanish: lære dansk, dansk for udlændinge, danskundervisning, dansk sprog, udlænding, udlændinge, ny i danmark, lærebøger i dansk, dansk grammatik, for begyndere, begynderbøger, begynderbog | learn danish, danish lessons, danish classes, study danish, foreigner, foreigners, new in denmark, new to denmark, textbooks in danish, danish grammar, beginners, beginner books, for beginners
homework: lektier, lektiehjælp, lektiecafé, lektiecafe, matematik, matte, hjælp efter skole | homework, homework help, homework club, tutoring, math, maths, help after school
job: job, jobsøgning, ansøgning, cv, ledig, søge arbejde, finde arbejde, arbejdsløs, jobcenter, blevet fyret, fyret, mistet mit job | job, jobs, job search, job application, cv, resume, unemployed, find work, looking for work, find a job, employment, career, jobcentre, job centre, cover letter, application letter, laid off, lost my job, fired
course: kursus, kurser, undervisning, workshop, kurset, lære at bruge, excel, word, powerpoint, photoshop, office pakken | course, courses, class, lessons, training, classes, lesson, learn to use, workshops, excel, powerpoint, photoshop, photo editing
readinggroup: læsekreds, læsekredse, læseklub, bogklub | reading group, book club, reading club
help: hjælp, hjælpe, vejledning, assistance, hjælpe til, give et nap, kan ikke finde ud af | help, assistance, guidance, support, lend a hand, cant figure out, can not figure out, figure it out
bogstart: bogstart, bogpakke, bogpakker, bogtaske, pose med bøger | bogstart, book pack, bag of books, book bag
readinghelp: lære at læse, læsehjælp, læsetræning, læselyst, læser langsomt, lette bøger, letlæsning, let at læse, svært ved at læse, læsesvag, nemme bøger, nem at læse, lettere bøger, let læste, læsning for børn, øve sig i at læse | learn to read, reading help, reading practice, reads slowly, reading slowly, easy books, easy readers, struggles to read, struggling reader, reluctant reader, reading practice for kids, practise reading
suggest: foreslå, forslag, indkøbsforslag, købe ind, anskaffe, indkøbe, købe dem ind, købt ind, køber i ind, købe bogen ind, kan i købe, bør købe, burde købe, skulle købe | suggest, suggestion, request a purchase, buy, acquire, purchase, buy it, buy the book, order it in, could you buy, you should get, should buy, you should buy
donate: donere, forære, aflevere mine egne bøger, donation, rydde op, dødsbo, overskydende bøger, give bøger, give mine bøger, give væk, forære væk, tage imod, tager i imod, vil i tage imod, vil i have mine, give mine gamle bøger, bogdonation, bogdonationer, rydder, rydde, vil i have bøgerne | donate, give away, donation, clear out, estate, spare books, give my books, give books, clean out, will you take, do you accept, donate my old books, book donation, book donations, clearing, want them, would you want them
lostfound: efterladt, hittegods, mistet noget, fundet, glemt noget, glemte min, glemt min, glemt mit, tørklæde, halstørklæde, paraply, handsker, vanter, hue, nøgler, briller, høretelefoner, høretelefonerne, headset, taske glemt | left behind, lost property, lost and found, forgot my, left my, scarf, umbrella, gloves, hat, keys, glasses, headphones, earphones, earbuds, airpods, left them, left it
volunteer: frivillig, frivillige, frivilligt | volunteer, volunteering, volunteers, spare time
find: finde, søge, lede efter, har i, findes | find, search, look for, do you have, locate
recommend: anbefale, anbefaling, anbefalinger, forslag til læsning, hvad skal jeg læse, inspiration, læse bagefter | recommend, recommendation, recommendations, suggestion, what to read, inspiration, read next, next book
event: arrangement, arrangementer, begivenhed, begivenheder, foredrag, koncert, koncerter, aktivitet, aktiviteter, event, i holder, som i holder, i afholder | event, events, talk, talks, concert, concerts, activity, activities, that you host, you hold
signup: tilmelde, tilmelding, tilmeldt, billet, billetter, bestille billet, melde sig til, på forhånd, møde op, melder man sig til, melde sig, tilmelder, tilmelder mig, booke en plads til, reservere en plads til, booke plads til, skal jeg booke | sign up, signup, register, registration, ticket, tickets, book a place, in advance, beforehand, turn up, drop in, register for, how do i sign up, book a place for, reserve a seat for, book a ticket, get a ticket, grab a seat, get a seat, need to book, do i need to book
host: afholde, holde, arrangere, lave et arrangement, låne lokalet, udstille, stille ud, optræde, holde foredrag, give en koncert, vise mine værker, kunstner, billedkunstner, maler, illustrator, malerier, maleri, tegninger, kunstværker, mine værker | host, organise, organize, arrange, exhibit, display my, perform, give a talk, give a concert, show my work, artist, painter, illustrator, paintings, drawings, artwork, artworks, my art, hold an event, hold a talk, hold a meeting, hold a workshop
phone: ringe, telefon, telefonnummer, kontakte, kontakt, skrive til, telefon nummer, tlf, et nummer at ringe til, ringe til jer, ring til | call, phone, telephone, contact, reach, get in touch, write to, number to call, phone number, number i can call, ring, ring the library, call the library, call you
ask: spørge, spørgsmål, spørg, skriftligt, skrive et spørgsmål, sende et spørgsmål, maile, sende en mail, skrive en mail, mail til | ask, question, questions, enquiry, inquiry, in writing, send a question, write to you, email a question, send an email, mail a question
complaint: klage, klager, utilfreds, uhøflig, dårlig oplevelse, ris og ros, ros, feedback, tilbagemelding, behandlet dårligt, dårligt behandlet | complaint, complain, unhappy, rude, bad experience, feedback, praise, compliment, file a complaint, treated badly
privacy: data, persondata, oplysninger, gdpr, privatliv, gemmer om mig, opbevarer i om mig, oplysninger om mig, data om mig | data, personal data, information, gdpr, privacy, info, store about me, keep about me, data about me, hold about me
history: historik, lånehistorik, tidligere lån, hvad jeg har lånt, hvad jeg har læst, holde styr på, sidste måned, de sidste år, tidligere år, tidligere, før i tiden | history, loan history, reading history, previous loans, past loans, keep track, track, what i read, record of, last month, past years, previous years, previously, in the past, borrowed before
quit: udmelde, udmeldelse, melde mig ud, opsige, lukke min konto, nedlægge, melder jeg mig ud, melde sig ud, meld mig ud, ikke være låner mere, vil ikke være låner, meldes ud, meldt ud, melde ud, udmeldt | cancel membership, unsubscribe from the library, leave the library, quit the library, end my membership, account closed, close the account, stop being a member
nota: nota, ordblind, ordblindhed, ordblinde, læsevanskeligheder, læsehandicap, synshandicap, blind, svagsynet | nota, dyslexia, dyslexic, reading disability, print disability, visually impaired, blind
largeprint: stor skrift, storskrift, store bogstaver, svagt syn, større skrift, større bogstaver, store typer, ser dårligt, dårligt syn, småt at læse, mine øjne, øjnene, større tekst, stor skrifttype, større skrifttype, synet, mit syn | large print, big print, large type, big letters, poor eyesight, bigger letters, larger letters, large letters, bigger print, larger print, small text, small print, poor sight, bad eyesight, bigger text, larger text, tiny text, bigger font, larger font, big font, eyesight
homedelivery: bogen kommer, bringe, bragt, bringe ud, hjem til, kan ikke komme, sengeliggende, gangbesværet, plejehjem | home delivery, deliver, housebound, cannot leave, bedridden, care home, nursing home, bring books to, bring them to my home, bring me books, deliver books, bedbound, bed-bound, bring her books, bring him books, bring books
language: sprog, andre sprog, fremmedsprog, engelsk, arabisk, tyrkisk, polsk, spansk, ukrainsk, urdu, somali, fransk, tysk | languages, other languages, foreign language, english, arabic, turkish, polish, spanish, ukrainian, urdu, somali, french, german
selfservice: selvbetjening, selvbetjent, åbent bibliotek, ubemandet, uden personale, ingen personale, uden bibliotekar, ingen ansatte, ikke nogen ansatte, uden ansatte, ingen bibliotekarer, ikke bemandet, ikke er personale, ikke noget personale, intet personale, uden for betjent tid, ubetjent, ikke betjent, ingen er på arbejde, ingen på arbejde | self service, self-service, open library, unstaffed, without staff, no staff, staffless, no employees, no one working, no librarians, not staffed, without librarians, no staff are there, when no staff, no one works there, nobody there, no one is working
evening: aften, om aftenen, sent, tidlig morgen | evening, late, early morning
door: dør, døren, indgang, komme ind, lukke ind, adgang, scanne mit kort, scanner mit kort, scanne kortet, scanner kortet, gå ind, bare gå ind | door, entrance, get in, let in, access, entry, scanning my card, swipe my card, let me in, lock myself in, get inside
alone: alene, selv, uden voksen | alone, on their own, without an adult, unaccompanied, by himself
others: andre, ven, veninde, kammerat, kæreste, fremmede, lukke ham ind, lukke hende ind, lukke nogen ind, lukke andre ind, kæresten, min partner | others, friend, buddy, mate, partner, strangers, someone else, let her in, let someone in, boyfriend, girlfriend, my partner, my friend
rules: regler, må man, tilladt, forbudt | rules, allowed, permitted, forbidden
library: bibliotek, biblioteket, biblioteker, bibliotekerne | library, libraries
missing: mangler, manglede, mangle, manglende | missing, lacking
pages: side, sider, siderne | page, pages
proxy: fuldmagt, på mine vegne, på vegne af, værge, pårørende | power of attorney, on behalf of, proxy, guardian
performer: forfatter, forfattere, kunstner, maler, musiker | author, writer, artist, painter, musician
refund: penge tilbage, refundering, refusion, tilbagebetaling | refund, reimburse
sell: sælge, sælger, salg, udsalg, bogudsalg, bogsalg, loppemarked, kasserede, kassere, kasseret | sell, selling, sale, sold, discarded, withdrawn, book sale, sell off, flea market, discarded books, withdrawn books
shelfmark: opstilling, hyldesignatur, numrene, numre, ryg, ryggen, klassemærke, dk5, mærkat, opstillet, sorteret, ordnet, hvordan er bøgerne sat op, hvilken hylde, hvor står den, hvor står bogen | shelf mark, call number, spine, classification, dewey, label, which shelf, where is it on the shelf, find it on the shelf
published: udkommer, udgivet, udgives, ny bog af, forfatterens nye | published, comes out, release, new book by, next book
total: totalt, samlet, samlingen | altogether, the collection
home: hjemme, derhjemme, hjemmefra, stuen, sofaen | at home, from home, on the sofa, on my couch
vacancy: ledig stilling, ledige stillinger, stilling, stillinger, stillingsopslag, ansætter i, studiejob, studenterjob, studentermedhjælper, job på biblioteket, arbejde som bibliotekar, stilling som bibliotekar | vacancy, vacancies, job opening, job openings, open position, open positions, hiring, student assistant, student job, jobs at the library, apply for a job at the library, jobs with you
passport: pas, paspapirer, nyt pas, pasfoto | passport, passport photo
drivinglicence: kørekort, kørekortet | driving licence, driving license, drivers license, driver license
residencepermit: opholdstilladelse, arbejdstilladelse, visum, statsborgerskab, indfødsret | residence permit, work permit, visa, citizenship
tax: skat, skatten, årsopgørelse, forskudsopgørelse, skattekort, selvangivelse, selvangivelsen | tax, taxes, tax return, tax card
parkingfine: parkeringsbøde, p bøde, parkeringsafgift | parking fine, parking ticket, speeding ticket
partner: min kone, ægtefælle | spouse, husband, wife
moneyloan: låne penge, lån penge, låne nogle penge, pengelån, kviklån | borrow money, lend me money, loan of money, payday loan
play: legetøj, lege, legeplads, legehjørne, legeområde, lege med | toys, play area, playground, play corner, play with
parkingpermit: beboerlicens, parkeringslicens, p licens, beboerparkering | residents parking permit, resident parking permit, parking permit
moving: melde flytning, melder flytning, flytning, folkeregisteret, folkeregister | report a move, report my move, moving house, civil registry, population register
cprregistration: få et cpr nummer, få cpr nummer, få et cpr, søge om cpr nummer | get my cpr number, apply for a cpr number, register for a cpr number
daycareplace: pasningsplads, vuggestueplads, børnehaveplads, skrive op til vuggestue, skrive op til børnehave | daycare place, childcare place, sign up for daycare, register for daycare
othertown: aarhus, århus, odense, aalborg, ålborg, esbjerg, randers, kolding, horsens, vejle, roskilde, herning, silkeborg, næstved, fredericia, viborg, køge, holstebro, slagelse, hillerød, helsingør, svendborg, frederiksberg, gentofte, gladsaxe, hvidovre, tårnby | aarhus, odense, aalborg, esbjerg, randers, kolding, horsens, vejle, roskilde, frederiksberg, gentofte
research: speciale, opgave, bachelorprojekt, bacheloropgave, kilder, litteratursøgning, research | thesis, dissertation, assignment, sources, literature search, research, essay
transport: togbillet, dsb, rejsekort, buskort, bus billet, metro | train ticket, dsb, rejsekort, bus ticket, metro ticket, bus pass
otheraccount: gmail, hotmail, outlook, yahoo, facebook, instagram, snapchat, tiktok, netflix, spotify, apple id, icloud, google konto, microsoft konto | gmail, hotmail, outlook, yahoo, facebook, instagram, snapchat, tiktok, netflix, spotify, apple id, icloud, google account, microsoft account
biketheft: cyklen er blevet stjålet, cykel er stjålet, stjålet cykel, stjålen cykel, cykeltyveri, anmelde tyveri, politianmeldelse | bike got stolen, bike was stolen, bike stolen, stolen bike, bicycle stolen, report a theft
device: smartphone, smartphonen, mobil, mobilen, telefon, telefonen, tablet, tabletten, ipad, computer, computeren, pc, bærbar, bærbare, laptop, iphone, android | smartphone, mobile, phone, tablet, ipad, computer, pc, laptop, iphone, android, device, devices, gadget
acquaintance: nabo, naboen, naboer, kollega, kollegaen, kolleger, bekendt | neighbour, neighbor, neighbours, colleague, coworker, acquaintance
housing: ledige lejligheder, ledig lejlighed, leje en lejlighed, boligstøtte, boligsøgning, andelsbolig, finde en lejlighed, lejlighed til leje | find a flat, find an apartment, apartment for rent, flat to rent, housing benefit, looking for a flat, looking for an apartment
union: fagforening, fagforeningen, a-kasse, a kasse, akasse | trade union, labour union, union membership, join a union
charging: oplade, oplade min telefon, opladning, stikkontakt, stikkontakter, strøm til | charging, charge my phone, charging point, charging points, power outlet, socket, plug in
bikerental: leje en cykel, cykeludlejning, lejecykel, bycykel | rent a bike, bike rental, hire a bike, city bike
localbusiness: restaurant, restauranter, spisested, frisør, tandlæge, pizzeria | restaurant, restaurants, hairdresser, dentist, pizzeria
nationwide: hele landet, hele danmark, alle danske biblioteker, alle biblioteker i danmark, landets biblioteker, danske biblioteker | all libraries in denmark, all danish libraries, nationwide, the whole country, across denmark, danish libraries
pets: hund, hunde, hunden, hundene, kæledyr, kat, katten | dog, dogs, pet, pets, cat, cats
sickreport: melde syg, sygemelde, sygemelding, melder det til skolen, melde fravær, sygemelde mit barn, melde det til skolen, melde til skolen, syg til skolen | call in sick, report sick, report an absence, tell the school, report to the school
genre: krimi, krimier, thriller, thrillere, fantasy, biografi, biografier | thriller, thrillers, crime novel, fantasy, biography, biographies
smoking: ryge, rygning, rygere, smøg, cigaret, cigaretter, dampe | smoke, smoking, vape, vaping, cigarette, cigarettes
secondhand: købe brugte, købe billigt, købe en brugt, brugt cykel, genbrugsbutik, antikvariat, loppemarked | buy used, buy cheap, buy second hand, second hand, secondhand, used bike, charity shop
homeinternet: router, routeren, internetudbyder, mit internet derhjemme, wifi derhjemme | router, my router, home wifi, internet provider, my internet at home, wifi at home
"""


def parse(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """concept -> (Danish words, English words)."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for line in text.strip().splitlines():
        name, _, rest = line.partition(":")
        da, _, en = rest.partition("|")
        out[name.strip()] = (
            [w.strip() for w in da.split(",") if w.strip()],
            [w.strip() for w in en.split(",") if w.strip()],
        )
    return out


CONCEPTS = parse(LEXICON_TEXT)

# Things citizens ask the library about that belong to other services (the municipality, transport, banks). Unless
# an entry uses one, it weighs as much as a rare unknown word: "refund my train ticket" is not the event refund.
OUT_OF_SCOPE = frozenset(
    {
        "passport",
        "drivinglicence",
        "residencepermit",
        "tax",
        "parkingfine",
        "parkingpermit",
        "moving",
        "cprregistration",
        "daycareplace",
        "moneyloan",
        "transport",
        "otheraccount",
        "sell",
        "biketheft",
        "housing",
        "union",
        "bikerental",
        "localbusiness",
        "pets",
        "sickreport",
        "smoking",
        "secondhand",
        "homeinternet",
    }
)
